# The route takes API keys; each generator connection sends its own (principal apikey:cI).
# The baseline of variants that need an authenticated caller (useroauth).
VARIANT_DESCRIPTION="the route takes API keys (auth.apiKeys, header X-API-Key); each connection sends its own key"
VARIANT_API_KEYS=1

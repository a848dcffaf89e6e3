# The access log category at WARN (as shipped, one line per request).
VARIANT_DESCRIPTION="access log off (category dev.mcpgateway.access at WARN)"
VARIANT_ENV=("QUARKUS_LOG_CATEGORY__DEV_MCPGATEWAY_ACCESS__LEVEL=WARN")

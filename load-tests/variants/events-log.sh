# The gateway's event stream on, sink log.
VARIANT_DESCRIPTION="the event stream on: sink log"
VARIANT_ENV=("MCP_GATEWAY_EVENTS_SINK=log")

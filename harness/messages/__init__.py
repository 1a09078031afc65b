"""Message faults' decisions, pure: which frames a fault matches (`match`) and what happens to
each of them on one socket (`rules`). The drivers carry the decisions out
(`harness.drivers.ws_route` for pages, `harness.drivers.protocol_faults` for protocol clients);
the steps that make the rules are `harness.steps.messages`."""

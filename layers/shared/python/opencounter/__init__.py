"""OpenCounter's shared layer: the single table, the event outbox, identity, contracts and the
HTTP error map that every function uses. Modules import nothing heavy at package level so a
function loads only what it uses (cold starts)."""

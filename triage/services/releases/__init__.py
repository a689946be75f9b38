"""Release health: per app version, what users report against the previous version, and the
go/no-go gate on it. `versions` (pure) normalises versions; `figures` (pure) computes a
release's figures and `gate` (pure) its verdicts from plain data; `store` reads and writes
releases, adoption, rules and followers; `watch` verifies fixes and tells followers when a
verdict changes."""

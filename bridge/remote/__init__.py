"""Remote attach: the engine-side server that lets a dashboard watch and steer a running show over TCP.

No UI code lives here. `source` defines the state-source abstraction the dashboard reads from
(local: the show's telemetry and command registry; remote: `client.RemoteClient`), `protocol`
the JSON-lines wire format, `server` the listener a show runs, `config` the `[dashboard]` table.
"""

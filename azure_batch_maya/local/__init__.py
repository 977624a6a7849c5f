"""The local pool: a Batch-compatible service on 127.0.0.1 that runs tasks on this machine.

Start it with `azure-batch-maya local up` (with Azurite for storage) or, for tests,
`process.start_local_pool`. The real `azure-batch` client talks to it as to Azure.

- `server` (HTTP, command line) → `api` (SharedKey via `auth`, routing) → operations by
  resource: `pools`, `nodes` (node actions), `jobs`, `tasks`, `taskfiles`, `account`, over
  `context`.
- `entities` shape stored entities with the service's defaults; `rest`, `odata`, `errors`,
  `formats` make responses look like the recorded ones.
- `store` keeps everything in SQLite; `scheduler` moves pools and jobs through their states
  (`allocation` plans nodes), `startup` runs pools' start tasks as nodes join, `execution`
  runs tasks (`dependencies` says which may run), `preparation` runs job preparation and
  release tasks, `containers` runs them in a container engine on container pools, `runner`
  and `host` run each command in a process that outlives a crash of the server, `transfer`
  moves resource and output files, `layout` and `files` mirror a node's folders.
- `autoscale` interprets autoscale formulas and, from the engine's loop, samples pools and
  resizes them on their evaluation interval.
- `home` and `process` are what `azure-batch-maya local up|status|down` uses.
"""

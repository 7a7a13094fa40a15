"""quanta's Python spawner: starts command jobs for a JobRunner (src/executors/spawner-pool.ts).

It speaks the protocol of src/executors/spawn-protocol.ts over Node.js's own IPC channel, like the
Node.js spawner (src/executors/spawner-process.ts), but starts each job with os.posix_spawn, which
glibc implements with clone(CLONE_VFORK): no copy of this process's page tables per job, about a
quarter of what Node.js's fork()+exec() costs. Stdlib only: pilot workers run it with the system
python3 on Slurm nodes.
"""

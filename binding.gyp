# dockgate's addons, built by `npm ci` into build/Release/: peer credentials (SO_PEERCRED + NSS names),
# process hardening for `serve --user` (capability bounding set, no_new_privs), and the heap padding of
# `serve` (glibc's M_TOP_PAD).
# Linux only: SO_PEERCRED, struct ucred and those prctl calls are Linux interfaces, and dockgate guards a
# Linux dockerd.
{
  "targets": [
    {
      "target_name": "peer_credentials",
      "sources": ["native/peer_credentials.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra"]
    },
    {
      "target_name": "process_hardening",
      "sources": ["native/process_hardening.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra"]
    },
    {
      "target_name": "heap_padding",
      "sources": ["native/heap_padding.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra"]
    }
  ]
}

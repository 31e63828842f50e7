# The peer-credentials addon (SO_PEERCRED + NSS names), built by `npm ci` into build/Release/.
# Linux only: SO_PEERCRED and struct ucred are Linux interfaces, and dockgate guards a Linux dockerd.
{
  "targets": [
    {
      "target_name": "peer_credentials",
      "sources": ["native/peer_credentials.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra"]
    }
  ]
}

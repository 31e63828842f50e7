// What `dockgate serve --user` does to its own process that Node cannot: empty the capability bounding
// set (while still root, which CAP_SETPCAP requires) and set no_new_privs. Without them, code that the
// unprivileged gateway was tricked into running could execute a setuid-root program (su, sudo, mount) or
// a file with capabilities and be root again. Both are attributes of the calling thread and are inherited
// by every process it starts: Node starts child processes from its main thread, which calls these.
// Plain Node-API (ABI-stable), like the peer-credentials addon.

#define _GNU_SOURCE // strerrorname_np
#define NAPI_VERSION 8

#include <errno.h>
#include <linux/capability.h>
#include <node_api.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "napi_errors.h"

// emptyCapabilityBoundingSet(): drops every capability still in the bounding set. PR_CAPBSET_READ answers
// EINVAL past the last capability this kernel knows, which ends the walk (newer kernels know more).
static napi_value empty_capability_bounding_set(napi_env env, napi_callback_info info) {
  (void)info;
  for (int capability = 0;; capability++) {
    int present = prctl(PR_CAPBSET_READ, capability, 0, 0, 0);
    if (present < 0) {
      if (errno == EINVAL && capability > CAP_SETPCAP) break;
      return throw_errno(env, errno, "prctl", "prctl(PR_CAPBSET_READ) failed");
    }
    if (present == 1 && prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) {
      char what[64];
      snprintf(what, sizeof what, "prctl(PR_CAPBSET_DROP, %d) failed", capability);
      return throw_errno(env, errno, "prctl", what);
    }
  }
  return NULL;
}

// setNoNewPrivileges(): from now on execve never grants privileges (setuid bits and file capabilities are ignored).
static napi_value set_no_new_privileges(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return throw_errno(env, errno, "prctl", "prctl(PR_SET_NO_NEW_PRIVS) failed");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  NAPI_CALL(env, napi_create_function(env, "emptyCapabilityBoundingSet", NAPI_AUTO_LENGTH, empty_capability_bounding_set, NULL, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "emptyCapabilityBoundingSet", fn));
  NAPI_CALL(env, napi_create_function(env, "setNoNewPrivileges", NAPI_AUTO_LENGTH, set_no_new_privileges, NULL, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "setNoNewPrivileges", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

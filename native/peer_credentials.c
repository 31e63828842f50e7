// Who is on the other end of a unix socket, as the kernel saw it at connect() time.
// Node has no API for SO_PEERCRED, and user/group names must come from getpwuid_r/getgrgid_r so that
// NSS sources (LDAP, sssd, systemd-userdb) resolve exactly as they do for the rest of the host.
// Plain Node-API (ABI-stable): one build serves every Node version that has Node-API 8.

#define _GNU_SOURCE // struct ucred and strerrorname_np
#define NAPI_VERSION 8

#include <errno.h>
#include <grp.h>
#include <node_api.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

// SO_PEERPIDFD (Linux 6.5) is missing from older headers. 77 is its number where the architecture takes
// the generic socket option numbers; elsewhere (alpha, mips, parisc, sparc number them their own way) it
// is left undefined and peerPidfd answers "unsupported", so the start-time check alone guards pid reuse.
#if !defined(SO_PEERPIDFD) && (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) || defined(__riscv) || defined(__powerpc__))
#define SO_PEERPIDFD 77
#endif

#include "napi_errors.h"

// Reads argument `index` as a uint32 (uids and gids are unsigned 32-bit on Linux; fds are small).
// Validated by hand: napi_get_value_uint32 would silently wrap -1 to 4294967295.
static bool get_uint32_arg(napi_env env, napi_value *argv, size_t argc, size_t index, const char *name,
                           uint32_t *out) {
  napi_valuetype type = napi_undefined;
  double value = -1;
  if (index < argc) napi_typeof(env, argv[index], &type);
  if (type == napi_number) napi_get_value_double(env, argv[index], &value);
  if (!(value >= 0 && value <= UINT32_MAX && (double)(uint32_t)value == value)) {
    char message[96];
    snprintf(message, sizeof message, "%s must be an integer from 0 to 4294967295", name);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return false;
  }
  *out = (uint32_t)value;
  return true;
}

// Reads a function's one argument as a uint32 (see get_uint32_arg); false with an exception pending.
static bool one_uint32_arg(napi_env env, napi_callback_info info, const char *name, uint32_t *out) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "Node-API call failed: napi_get_cb_info");
    return false;
  }
  return get_uint32_arg(env, argv, argc, 0, name, out);
}

static napi_value set_uint32(napi_env env, napi_value object, const char *key, uint32_t value) {
  napi_value js_value;
  NAPI_CALL(env, napi_create_uint32(env, value, &js_value));
  NAPI_CALL(env, napi_set_named_property(env, object, key, js_value));
  return object;
}

// peerCredentials(fd) -> { uid, gid, pid }
static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  uint32_t fd;
  if (!one_uint32_arg(env, info, "fd", &fd)) return NULL;

  // SO_PEERCRED on a TCP socket does not fail: it returns made-up credentials (pid 0, uid and gid -1).
  // Refuse anything that is not a unix socket so such values can never become an identity.
  char what[96];
  int domain = 0;
  socklen_t domain_length = sizeof domain;
  if (getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &domain, &domain_length) != 0) {
    int error = errno;
    snprintf(what, sizeof what, "getsockopt(fd %u, SO_DOMAIN) failed", fd);
    return throw_errno(env, error, "getsockopt", what);
  }
  if (domain != AF_UNIX) {
    snprintf(what, sizeof what, "SO_PEERCRED needs a unix socket, fd %u is not one", fd);
    return throw_errno(env, EAFNOSUPPORT, "getsockopt", what);
  }

  struct ucred credentials;
  socklen_t length = sizeof credentials;
  if (getsockopt((int)fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    int error = errno;
    snprintf(what, sizeof what, "getsockopt(fd %u, SO_PEERCRED) failed", fd);
    return throw_errno(env, error, "getsockopt", what);
  }

  napi_value result;
  NAPI_CALL(env, napi_create_object(env, &result));
  if (set_uint32(env, result, "uid", credentials.uid) == NULL) return NULL;
  if (set_uint32(env, result, "gid", credentials.gid) == NULL) return NULL;
  if (set_uint32(env, result, "pid", (uint32_t)credentials.pid) == NULL) return NULL;
  return result;
}

// peerPidfd(fd) -> a pidfd of the peer process as the kernel recorded it at connect() (SO_PEERPIDFD), which
// the caller closes; -1 when that process is gone; null when the kernel (or this build) has no SO_PEERPIDFD.
static napi_value peer_pidfd(napi_env env, napi_callback_info info) {
  uint32_t fd;
  if (!one_uint32_arg(env, info, "fd", &fd)) return NULL;
  napi_value result;
#ifdef SO_PEERPIDFD
  int pidfd = -1;
  socklen_t length = sizeof pidfd;
  if (getsockopt((int)fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &length) != 0) {
    int error = errno;
    if (error == ENOPROTOOPT) {
      NAPI_CALL(env, napi_get_null(env, &result));
      return result;
    }
    // Kernels before 6.16 refuse a pidfd for a peer that has exited and been reaped (EINVAL, ESRCH).
    if (error != EINVAL && error != ESRCH) {
      char what[96];
      snprintf(what, sizeof what, "getsockopt(fd %u, SO_PEERPIDFD) failed", fd);
      return throw_errno(env, error, "getsockopt", what);
    }
    pidfd = -1;
  }
  NAPI_CALL(env, napi_create_int32(env, pidfd, &result));
#else
  (void)fd;
  NAPI_CALL(env, napi_get_null(env, &result));
#endif
  return result;
}

// pidfdAlive(pidfd) -> whether the process is still there (running, or a zombie, which still holds its pid):
// signal 0 through the pidfd checks existence only. EPERM (a gateway that dropped root, a peer of another
// user) means the process exists.
static napi_value pidfd_alive(napi_env env, napi_callback_info info) {
  uint32_t pidfd;
  if (!one_uint32_arg(env, info, "pidfd", &pidfd)) return NULL;
  int error = syscall(SYS_pidfd_send_signal, (int)pidfd, 0, NULL, 0) == 0 ? 0 : errno;
  bool alive = error == 0 || error == EPERM;
  if (!alive && error != ESRCH) return throw_errno(env, error, "pidfd_send_signal", "pidfd_send_signal failed");
  napi_value result;
  NAPI_CALL(env, napi_get_boolean(env, alive, &result));
  return result;
}

// Starting buffer size for the *_r lookups; grown on ERANGE (NSS entries such as big groups can be large).
static size_t initial_buffer_size(int sysconf_name) {
  long suggested = sysconf(sysconf_name);
  return suggested > 0 ? (size_t)suggested : 1024;
}

// The account database a name is looked up in: users (getpwuid_r) or groups (getgrgid_r).
enum account_database { USERS, GROUPS };

// The reentrant lookups never touch static storage, so concurrent callers (worker threads) are safe.
// Returns 0 and sets *found; or returns the errno of a real failure. "No such id" is not a failure:
// glibc reports it as 0 with a NULL result, some NSS modules as ENOENT.
static int lookup_name(enum account_database database, uint32_t id, char **name, bool *found) {
  size_t size = initial_buffer_size(database == USERS ? _SC_GETPW_R_SIZE_MAX : _SC_GETGR_R_SIZE_MAX);
  for (;;) {
    char *buffer = malloc(size);
    if (buffer == NULL) return ENOMEM;
    const char *entry_name = NULL;
    int error;
    if (database == USERS) {
      struct passwd entry, *result = NULL;
      error = getpwuid_r((uid_t)id, &entry, buffer, size, &result);
      if (result != NULL) entry_name = result->pw_name;
    } else {
      struct group entry, *result = NULL;
      error = getgrgid_r((gid_t)id, &entry, buffer, size, &result);
      if (result != NULL) entry_name = result->gr_name;
    }
    if (error == ERANGE && size < (1u << 24)) {
      free(buffer);
      size *= 2;
      continue;
    }
    if (error == 0 && entry_name != NULL) {
      *name = strdup(entry_name);
      free(buffer);
      if (*name == NULL) return ENOMEM;
      *found = true;
      return 0;
    }
    free(buffer);
    *found = false;
    return error == ENOENT ? 0 : error;
  }
}

static bool set_string(napi_env env, napi_value object, const char *key, const char *value) {
  napi_value js_value;
  return napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &js_value) == napi_ok &&
         napi_set_named_property(env, object, key, js_value) == napi_ok;
}

// Sets result[key] to the name of the id in the database; leaves it absent when the id has no entry.
static bool set_account_name(napi_env env, napi_value result, const char *key, enum account_database database, uint32_t id) {
  char *name = NULL;
  bool found = false;
  int error = lookup_name(database, id, &name, &found);
  if (error != 0) {
    const char *call = database == USERS ? "getpwuid_r" : "getgrgid_r";
    char what[32];
    snprintf(what, sizeof what, "%s failed", call);
    throw_errno(env, error, call, what);
    return false;
  }
  if (!found) return true;
  bool ok = set_string(env, result, key, name);
  free(name);
  return ok;
}

// accountNames(uid, gid) -> { user?, group? }; a key is absent when the id has no entry.
static napi_value account_names(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t uid, gid;
  if (!get_uint32_arg(env, argv, argc, 0, "uid", &uid)) return NULL;
  if (!get_uint32_arg(env, argv, argc, 1, "gid", &gid)) return NULL;

  napi_value result;
  NAPI_CALL(env, napi_create_object(env, &result));

  if (!set_account_name(env, result, "user", USERS, uid)) return NULL;
  if (!set_account_name(env, result, "group", GROUPS, gid)) return NULL;
  return result;
}

// Exported with napi_set_named_property (writable), not napi_define_properties (read-only by default),
// so that tests can wrap a function to count lookups.
static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  NAPI_CALL(env, napi_create_function(env, "peerCredentials", NAPI_AUTO_LENGTH, peer_credentials, NULL, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "peerCredentials", fn));
  NAPI_CALL(env, napi_create_function(env, "accountNames", NAPI_AUTO_LENGTH, account_names, NULL, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "accountNames", fn));
  NAPI_CALL(env, napi_create_function(env, "peerPidfd", NAPI_AUTO_LENGTH, peer_pidfd, NULL, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "peerPidfd", fn));
  NAPI_CALL(env, napi_create_function(env, "pidfdAlive", NAPI_AUTO_LENGTH, pidfd_alive, NULL, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "pidfdAlive", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

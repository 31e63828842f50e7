// Error handling shared by dockgate's Node-API addons: a failed Node-API call bails out with the pending
// exception, and a failed system call becomes an Error shaped like Node's own system errors. Include it
// after defining _GNU_SOURCE (for strerrorname_np).
#ifndef DOCKGATE_NAPI_ERRORS_H
#define DOCKGATE_NAPI_ERRORS_H

#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

// Bails out of a Node-API callback when a call fails; the pending exception (if any) reaches JS.
#define NAPI_CALL(env, call)                                                      \
  do {                                                                            \
    if ((call) != napi_ok) {                                                      \
      bool pending = false;                                                       \
      napi_is_exception_pending((env), &pending);                                 \
      if (!pending) napi_throw_error((env), NULL, "Node-API call failed: " #call); \
      return NULL;                                                                \
    }                                                                             \
  } while (0)

// Throws an Error shaped like Node's own system errors: message "<what>: <strerror>",
// plus `errno` (positive number), `syscall` and, where libc can name it, `code` ("EBADF").
static inline napi_value throw_errno(napi_env env, int error, const char *syscall, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  const char *code = NULL;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  code = strerrorname_np(error);
#endif
  napi_value js_message, js_error, js_errno, js_syscall;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &js_message) != napi_ok ||
      napi_create_error(env, NULL, js_message, &js_error) != napi_ok) {
    napi_throw_error(env, code, message);
    return NULL;
  }
  napi_create_int32(env, error, &js_errno);
  napi_set_named_property(env, js_error, "errno", js_errno);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &js_syscall);
  napi_set_named_property(env, js_error, "syscall", js_syscall);
  if (code != NULL) {
    napi_value js_code;
    napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code);
    napi_set_named_property(env, js_error, "code", js_code);
  }
  napi_throw(env, js_error);
  return NULL;
}

#endif

// How much memory glibc's allocator keeps at the top of the gateway's heap (M_TOP_PAD). Node hands every
// socket read and every parsed body piece a fresh buffer of up to 64 KiB; with glibc's default padding
// (128 KiB) the heap's top is given back to the kernel after a few of them are freed and faulted in again
// for the next ones, so an upload spent as much CPU in page faults as in copying its bytes. A padding of a
// few MiB keeps those pages: measured on the benchmark's 1 GiB upload, the gateway's kernel time per MiB
// halved and its throughput rose about a quarter, for some 7 MB of resident memory (docs/performance.md).
// glibc only: other C libraries have no M_TOP_PAD, and keepHeapTopPad answers false there.
// Plain Node-API (ABI-stable), like the other addons.

#define _GNU_SOURCE // strerrorname_np (napi_errors.h)
#define NAPI_VERSION 8

#include <node_api.h>
#include <stdbool.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "napi_errors.h"

// keepHeapTopPad(bytes): true when the allocator took the padding, false when this C library has none.
static napi_value keep_heap_top_pad(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t bytes = 0;
  if (argc < 1 || napi_get_value_int64(env, argv[0], &bytes) != napi_ok || bytes < 0 || bytes > (int64_t)1 << 30) {
    napi_throw_type_error(env, NULL, "keepHeapTopPad(bytes): bytes must be a number from 0 to 1 GiB");
    return NULL;
  }
  bool taken = false;
#ifdef __GLIBC__
  taken = mallopt(M_TOP_PAD, (int)bytes) == 1;
#endif
  napi_value result;
  NAPI_CALL(env, napi_get_boolean(env, taken, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  NAPI_CALL(env, napi_create_function(env, "keepHeapTopPad", NAPI_AUTO_LENGTH, keep_heap_top_pad, NULL, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "keepHeapTopPad", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

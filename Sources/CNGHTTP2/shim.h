#ifndef CMANIFOLD_NGHTTP2_SHIM_H
#define CMANIFOLD_NGHTTP2_SHIM_H

#include <nghttp2/nghttp2.h>

/* Swift cannot build nghttp2_nv values pointing at its own byte buffers
   without rebinding memory; this helper takes untyped pointers instead. */
static inline nghttp2_nv cmanifold_nv(const void *name, size_t namelen,
                                      const void *value, size_t valuelen,
                                      uint8_t flags) {
    nghttp2_nv nv;
    nv.name = (uint8_t *)name;
    nv.namelen = namelen;
    nv.value = (uint8_t *)value;
    nv.valuelen = valuelen;
    nv.flags = flags;
    return nv;
}

#endif

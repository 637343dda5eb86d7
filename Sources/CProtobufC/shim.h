#ifndef CMANIFOLD_PROTOBUF_C_SHIM_H
#define CMANIFOLD_PROTOBUF_C_SHIM_H

#include <protobuf-c/protobuf-c.h>

/* The descriptor magic numbers are macros Swift does not import as typed
   constants; these return them with the field types the structs use. */
static inline uint32_t cmanifold_message_descriptor_magic(void) {
    return PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC;
}
static inline uint32_t cmanifold_enum_descriptor_magic(void) {
    return PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC;
}

#endif

#ifndef WINDROW_CRC32C_HARDWARE_H
#define WINDROW_CRC32C_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has the SSE 4.2 CRC32 instruction (always 0 off x86-64).
int windrow_crc32c_hardware_available(void);

/// Extends a CRC-32C register (already inverted: pass ~crc, get ~crc back) over `count` bytes
/// with the CRC32 instruction. Only call when `windrow_crc32c_hardware_available()` is 1.
uint32_t windrow_crc32c_hardware(uint32_t state, const void *bytes, size_t count);

#endif

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the checksum that
 * seals .accbin and .pimbin files. Same values as zlib's crc32 and Python's
 * zlib.crc32, so scripts can check and reseal files. */
#include "dlc/support.h"

uint32_t dl_crc32(uint32_t crc, const void *data, size_t n) {
  uint32_t table[256]; /* 2,048 steps: nothing next to a file's bytes */
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  const unsigned char *p = data;
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void dl_buf_seal(DlBuf *b) { dl_buf_put_u32(b, dl_crc32(0, b->data, b->len)); }

bool dl_sealed_check(const void *data, size_t len, DlError *e) {
  const unsigned char *p = data;
  if (len < 4) return dl_error_set(e, "checksum mismatch: corrupted or truncated");
  uint32_t want = (uint32_t)p[len - 4] | (uint32_t)p[len - 3] << 8 | (uint32_t)p[len - 2] << 16 | (uint32_t)p[len - 1] << 24;
  if (dl_crc32(0, p, len - 4) != want) return dl_error_set(e, "checksum mismatch: corrupted or truncated");
  return true;
}

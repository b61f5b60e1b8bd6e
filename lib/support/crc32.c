/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the checksum that
 * seals .accbin and .pimbin files. Same values as zlib's crc32 and Python's
 * zlib.crc32, so scripts can check and reseal files. */
#include "dlc/support.h"

uint32_t dl_crc32(uint32_t crc, const void *data, size_t n) {
  /* slicing by 8 for large inputs (a zoo model's .pimbin is tens of MB): 8
   * bytes per step through 8 tables; their 16,384 steps are not worth it
   * below 64 KB, where one table (2,048 steps) does */
  uint32_t t[8][256];
  int slices = n >= (1u << 16) ? 8 : 1;
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (int s = 1; s < slices; s++)
    for (int i = 0; i < 256; i++) t[s][i] = t[0][t[s - 1][i] & 0xFF] ^ (t[s - 1][i] >> 8);
  const unsigned char *p = data;
  crc = ~crc;
  for (; slices == 8 && n >= 8; p += 8, n -= 8) {
    uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
    crc = t[7][lo & 0xFF] ^ t[6][lo >> 8 & 0xFF] ^ t[5][lo >> 16 & 0xFF] ^ t[4][lo >> 24] ^ t[3][hi & 0xFF] ^
          t[2][hi >> 8 & 0xFF] ^ t[1][hi >> 16 & 0xFF] ^ t[0][hi >> 24];
  }
  for (; n; p++, n--) crc = t[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
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

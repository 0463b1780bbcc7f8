// The native peer for hash-wasm: its own C source (node_modules/hash-wasm/src/<hash>.c, included
// with -DHASH_SOURCE) compiled with gcc -O2 for the host and driven as its JS drives the wasm: the
// input is written into the module's 16 KiB buffer chunk by chunk, each chunk followed by
// Hash_Update.
// Usage: <hash> MIB REPEATS; prints {"times":[seconds...],"digest":"<hex>"} (one warm-up run first).
// The input is MIB copies of the same 1 MiB block of xorshift32 output (bench/lib/data.mjs).
#include HASH_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BLOCK (1 << 20)
#define CHUNK (16 * 1024)

static uint32_t block[BLOCK / 4];

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void hash(int mib, char *hex) {
#ifdef BLAKE3
  Hash_Init(0);
#else
  Hash_Init(256);
#endif
  for (int m = 0; m < mib; m++) {
    const uint64_t *src = (const uint64_t *)block;
    for (int off = 0; off < BLOCK; off += CHUNK) {
      uint64_t *dst = (uint64_t *)Hash_GetBuffer();
      for (int i = 0; i < CHUNK / 8; i++) dst[i] = *src++;
      Hash_Update(CHUNK);
    }
  }
#ifdef BLAKE3
  Hash_Final(32);
#else
  Hash_Final();
#endif
  const uint8_t *out = Hash_GetBuffer();
  for (int i = 0; i < 32; i++) sprintf(hex + 2 * i, "%02x", out[i]);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MIB REPEATS\n", argv[0]);
    return 2;
  }
  int mib = atoi(argv[1]), repeats = atoi(argv[2]);
  uint32_t x = 0x9E3779B9u;
  for (int i = 0; i < BLOCK / 4; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    block[i] = x;  // little-endian hosts only, as the JS peers' Uint32Array
  }
  char digest[65], again[65];
  hash(mib, digest);
  printf("{\"times\":[");
  for (int i = 0; i < repeats; i++) {
    double t0 = now();
    hash(mib, again);
    printf("%s%.9f", i ? "," : "", now() - t0);
  }
  printf("],\"digest\":\"%s\"}\n", digest);
  return 0;
}

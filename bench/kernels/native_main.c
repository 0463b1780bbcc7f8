// The native peer: times a kernel's run(n) compiled with gcc -O2 for the host.
// Usage: <kernel> N REPEATS; prints {"times":[seconds...],"checksum":...} (one warm-up run first).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double run(int n);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s N REPEATS\n", argv[0]);
    return 2;
  }
  int n = atoi(argv[1]), repeats = atoi(argv[2]);
  double checksum = run(n);
  printf("{\"times\":[");
  for (int i = 0; i < repeats; i++) {
    double t0 = now();
    double c = run(n);
    double t = now() - t0;
    if (c != checksum) {
      fprintf(stderr, "checksum changed between runs: %.17g != %.17g\n", c, checksum);
      return 1;
    }
    printf("%s%.9f", i ? "," : "", t);
  }
  printf("],\"checksum\":%.17g}\n", checksum);
  return 0;
}

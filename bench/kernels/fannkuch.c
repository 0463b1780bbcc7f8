// fannkuch-redux (the Computer Language Benchmarks Game) over all permutations of 9 elements.
// run(reps) repeats it `reps` times, each from a different rotation of the first permutation, and
// returns sum(checksum * 100 + max_flips): an exact integer every peer must reproduce.

#define N 9

static int one(int rotation) {
  int perm[N], perm1[N], count[N];
  int max_flips = 0, checksum = 0, index = 0, r = N;
  for (int i = 0; i < N; i++) perm1[i] = (i + rotation) % N;
  for (;;) {
    while (r != 1) {
      count[r - 1] = r;
      r--;
    }
    for (int i = 0; i < N; i++) perm[i] = perm1[i];
    int flips = 0;
    for (int k; (k = perm[0]) != 0;) {
      for (int i = 0, j = k; i < j; i++, j--) {
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      flips++;
    }
    if (flips > max_flips) max_flips = flips;
    checksum += (index % 2 == 0) ? flips : -flips;
    for (;;) {
      if (r == N) return checksum * 100 + max_flips;
      int first = perm1[0];
      for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = first;
      if (--count[r] > 0) break;
      r++;
    }
    index++;
  }
}

double run(int reps) {
  double sum = 0;
  for (int i = 0; i < reps; i++) sum += one(i % N);
  return sum;
}

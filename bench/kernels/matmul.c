// Dense matrix multiply: run(reps) multiplies two 128x128 f64 matrices `reps` times (new small
// integer entries each time) and returns the sum of every product matrix. Every product is an
// exact integer in f64, so the checksum is exact whatever the order of the additions.

#define N 128

static double a[N][N], b[N][N], c[N][N];

double run(int reps) {
  double sum = 0;
  for (int r = 0; r < reps; r++) {
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < N; j++) {
        a[i][j] = (double)((i * 3 + j * 7 + r) % 17 - 8);
        b[i][j] = (double)((i * 5 + j * 11 + r) % 13 - 6);
        c[i][j] = 0;
      }
    }
    for (int i = 0; i < N; i++) {
      for (int k = 0; k < N; k++) {
        double aik = a[i][k];
        for (int j = 0; j < N; j++) c[i][j] += aik * b[k][j];
      }
    }
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < N; j++) sum += c[i][j];
    }
  }
  return sum;
}

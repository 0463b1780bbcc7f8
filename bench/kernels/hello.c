// P4 start-up context: the smallest WASI command (wasi-libc's _start), which prints its arguments.
#include <stdio.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
  return 0;
}

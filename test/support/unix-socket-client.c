// A tiny HTTP client over a unix socket, built static so that it runs inside the test image (whose
// busybox `nc` cannot reach a unix socket): a real process in a container asking dockgate, as a
// container that has the gateway's socket shared into it would.
//
//   unix-socket-client SOCKET PATH OUT            GET PATH over SOCKET, the whole answer written to OUT ("-": stdout)
//   unix-socket-client SOCKET PATH OUT HOLD       the same, but the process that connects forks and leaves the
//                                                 request to its child: the parent exits once HOLD.parent exists,
//                                                 and the child sends the request once HOLD.go exists (so the
//                                                 connection outlives the pid the kernel recorded for it)
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void wait_for(const char *hold, const char *suffix) {
  char path[4096];
  snprintf(path, sizeof path, "%s%s", hold, suffix);
  while (access(path, F_OK) != 0) usleep(10000);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s SOCKET PATH OUT [HOLD]\n", argv[0]);
    return 2;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
  if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    perror("connect");
    return 1;
  }
  if (argc > 4) {
    pid_t child = fork();
    if (child < 0) return 1;
    if (child > 0) {
      wait_for(argv[4], ".parent");
      return 0;
    }
    wait_for(argv[4], ".go");
  }
  char request[4096];
  int length = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", argv[2]);
  if (write(fd, request, (size_t)length) != length) return 1;
  int out = strcmp(argv[3], "-") == 0 ? 1 : open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {
    if (write(out, buffer, (size_t)n) != n) return 1;
  }
  return n < 0 ? 1 : 0;
}

#include "dlc/support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool dl_read_file(const char *path, char **data, size_t *len, DlError *e) {
  int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
  if (fd < 0) return dl_error_set(e, "cannot open '%s': %s", path, strerror(errno));
  struct stat st;
  /* +2: the read that finds EOF must not force a grow-and-copy */
  size_t cap = (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) ? (size_t)st.st_size + 2 : 65536;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (fd) close(fd);
    return dl_error_set(e, "'%s' is a directory", path);
  }
  char *buf = malloc(cap);
  size_t n = 0;
  for (;;) {
    if (n + 1 >= cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) break;
      buf = nb;
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      free(buf);
      if (fd) close(fd);
      return dl_error_set(e, "cannot read '%s': %s", path, strerror(errno));
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  if (fd) close(fd);
  buf[n] = 0;
  *data = buf;
  *len = n;
  return true;
}

void dl_path_dirname(const char *path, char *buf, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(buf, n, ".");
  else if (slash == path) snprintf(buf, n, "/");
  else snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

/* Outputs of one invocation (dl_outputs_begin): written to temporary names,
 * renamed together by dl_outputs_commit or removed by dl_outputs_abort. */
static struct {
  bool on;
  int n;
  char **tmp, **path;
} staged;

void dl_outputs_begin(void) {
  dl_outputs_abort();
  staged.on = true;
}

void dl_outputs_abort(void) {
  for (int i = 0; i < staged.n; i++) {
    unlink(staged.tmp[i]);
    free(staged.tmp[i]), free(staged.path[i]);
  }
  free(staged.tmp), free(staged.path);
  memset(&staged, 0, sizeof staged);
}

bool dl_outputs_commit(DlError *e) {
  bool ok = true;
  int done = 0;
  for (int i = 0; i < staged.n && ok; i++) { /* nothing renamed unless every rename can happen */
    struct stat st;
    if (stat(staged.path[i], &st) == 0 && S_ISDIR(st.st_mode))
      ok = dl_error_set(e, "cannot write '%s': it is a directory", staged.path[i]);
  }
  for (; ok && done < staged.n; done++)
    if (rename(staged.tmp[done], staged.path[done]) != 0) {
      ok = dl_error_set(e, "cannot write '%s': %s", staged.path[done], strerror(errno));
      break;
    }
  for (int i = 0; i < staged.n; i++) {
    if (i >= done) unlink(staged.tmp[i]);
    else if (!ok) unlink(staged.path[i]); /* a failed invocation leaves none of its outputs */
    free(staged.tmp[i]), free(staged.path[i]);
  }
  free(staged.tmp), free(staged.path);
  memset(&staged, 0, sizeof staged);
  return ok;
}

static bool write_file(const char *path, const void *data, size_t len, bool now, DlError *e) {
  if (!strcmp(path, "-")) {
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout))
      return dl_error_set(e, "cannot write to stdout");
    return true;
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return dl_error_set(e, "cannot write '%s': it is a directory", path);
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 16);
  snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    dl_error_set(e, "cannot create '%s': %s", path, strerror(errno));
    free(tmp);
    return false;
  }
  const char *p = data;
  size_t left = len;
  while (left) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    p += w, left -= (size_t)w;
  }
  /* mkstemp creates 0600; give the file the usual permissions */
  mode_t um = umask(0);
  umask(um);
  fchmod(fd, 0666 & ~um);
  bool ok = left == 0;
  if (close(fd) != 0) ok = false;
  if (ok && !now && staged.on) { /* renamed by dl_outputs_commit */
    staged.tmp = realloc(staged.tmp, sizeof(char *) * (size_t)(staged.n + 1));
    staged.path = realloc(staged.path, sizeof(char *) * (size_t)(staged.n + 1));
    staged.tmp[staged.n] = tmp, staged.path[staged.n] = strdup(path);
    staged.n++;
    return true;
  }
  if (ok && rename(tmp, path) != 0) ok = false;
  if (!ok) {
    dl_error_set(e, "cannot write '%s': %s", path, strerror(errno));
    unlink(tmp);
  }
  free(tmp);
  return ok;
}

bool dl_write_file_atomic(const char *path, const void *data, size_t len, DlError *e) {
  return write_file(path, data, len, false, e);
}

bool dl_write_file_now(const char *path, const void *data, size_t len, DlError *e) {
  return write_file(path, data, len, true, e);
}

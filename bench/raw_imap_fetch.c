/* raw_imap_fetch -- how fast can an IMAP server stream the header fields a
 * sync needs? A minimal client that measures the server's own limit.
 *
 *   raw_imap_fetch [options] HOST PORT USER PASSWORD FOLDER [FIELD...]
 *
 *   -t, --tls           implicit TLS (IMAPS)
 *   -s, --starttls      plain connection upgraded with STARTTLS
 *       --cafile FILE   verify the server certificate against FILE (and the
 *                       host name / IP); without it TLS is not verified
 *   -k, --chunk K       fetch in UID ranges of K (1:K, K+1:2K, ... up to
 *                       UIDNEXT-1) instead of one UID FETCH 1:*
 *   -p, --pipeline D    keep up to D chunk commands in flight (default 1)
 *   -S, --section SEC   fetch BODY.PEEK[SEC] instead (e.g. HEADER, TEXT, 1):
 *                       whole headers or bodies, for comparison
 *   -j, --json          print the result as one JSON object
 *
 * FIELDs default to the headers prospectd fetches. It connects, LOGINs,
 * SELECTs FOLDER, sends
 *   UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (FIELD...)])
 * (or the chunks), and reads and discards the responses until the tagged
 * completion. The response stream is parsed, not grepped: literals {n} /
 * {n+} / ~{n} are skipped by byte count and quoted strings are honoured, so
 * message content (a header line "A004 OK done", "* 3 EXISTS") can never end
 * a command or be counted as a response. Prints the FETCH responses
 * (messages), the literal bytes (the header data), all bytes received (after
 * TLS) and the seconds the fetch took (login excluded, shown apart).
 * Exit 0 when every command completed OK, 1 on NO/BAD, 2 on I/O errors.
 *
 * Build: cc -O2 -o raw_imap_fetch bench/raw_imap_fetch.c -lssl -lcrypto
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_FIELDS                                                                            \
  "FROM SENDER REPLY-TO TO CC BCC DATE SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES AUTO-SUBMITTED " \
  "PRECEDENCE LIST-ID LIST-UNSUBSCRIBE X-AUTOREPLY X-AUTORESPOND CONTENT-TYPE"

/* ---------------------------------------------------------------- I/O */
struct conn {
  int fd;
  SSL* ssl;
  unsigned char buf[1 << 16];
  size_t len, pos;
  unsigned long long rx; /* bytes received after TLS */
};

static void die(int code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("raw_imap_fetch: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill(struct conn* c) {
  int n;
  for (;;) {
    if (c->ssl) {
      n = SSL_read(c->ssl, c->buf, (int)sizeof c->buf);
      if (n <= 0) {
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) continue;
        ERR_print_errors_fp(stderr);
        die(2, "TLS read failed (connection closed?)");
      }
    } else {
      n = (int)read(c->fd, c->buf, sizeof c->buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die(2, "connection closed by server");
    }
    break;
  }
  c->len = (size_t)n;
  c->pos = 0;
  c->rx += (unsigned long long)n;
}

static void send_all(struct conn* c, const char* s, size_t len) {
  size_t off = 0;
  while (off < len) {
    int n = c->ssl ? SSL_write(c->ssl, s + off, (int)(len - off)) : (int)write(c->fd, s + off, len - off);
    if (n <= 0) {
      if (!c->ssl && n < 0 && errno == EINTR) continue;
      die(2, "write failed");
    }
    off += (size_t)n;
  }
}

static void sendf(struct conn* c, const char* fmt, ...) {
  char line[16384];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof line) die(2, "command too long");
  send_all(c, line, (size_t)n);
}

/* ------------------------------------------------------ response reader */
/* One call reads one complete response (up to its final CRLF, literals
 * included). The first HEAD_MAX bytes outside literals are kept in r->head
 * for classification. */
#define HEAD_MAX 160
struct response {
  char head[HEAD_MAX + 1];
  size_t head_len;
  unsigned long long literal_bytes;
};

static void head_put(struct response* r, unsigned char ch) {
  if (r->head_len < HEAD_MAX) r->head[r->head_len++] = (char)ch;
}

/* untagged status responses (and tagged ones) are free text: no quotes */
static int is_text_response(const struct response* r) {
  if (r->head_len < 2) return 1;
  if (r->head[0] == '+') return 1;
  if (r->head[0] != '*') return 1; /* tagged */
  const char* p = r->head + 2;
  size_t rest = r->head_len - 2;
  static const char* const kw[] = {"OK", "NO", "BAD", "BYE", "PREAUTH"};
  for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
    size_t l = strlen(kw[i]);
    if (rest > l && strncmp(p, kw[i], l) == 0 && (p[l] == ' ' || p[l] == '\r')) return 1;
  }
  return 0;
}

static void read_response(struct conn* c, struct response* r) {
  int text = -1; /* 1: free text (tagged, "+", "* OK|NO|BAD|BYE|PREAUTH"); -1: not known yet */
  int quoted = 0, esc = 0;
  char lit[24];     /* digits of a candidate "{123}" / "{123+}" */
  int lit_len = -1; /* -1: not inside {...} */
  int brace = 0;    /* 1: just saw the closing '}', 2: and then '\r' */
  unsigned long long lit_n = 0;
  r->head_len = 0;
  r->literal_bytes = 0;
  for (;;) {
    if (c->pos == c->len) fill(c);
    unsigned char ch = c->buf[c->pos++];
    head_put(r, ch);
    if (text < 0) {
      if (r->head_len == 1 && ch != '*')
        text = 1;
      else if (r->head_len > 2 && (ch == ' ' || ch == '\r' || ch == '\n'))
        text = is_text_response(r);
    }
    if (brace) {
      if (brace == 1 && ch == '\r') {
        brace = 2;
        continue;
      }
      if (brace == 2 && ch == '\n') {
        /* a literal: its lit_n bytes are data, never protocol */
        r->literal_bytes += lit_n;
        unsigned long long left = lit_n;
        while (left) {
          if (c->pos == c->len) fill(c);
          size_t avail = c->len - c->pos;
          size_t take = left < avail ? (size_t)left : avail;
          c->pos += take;
          left -= take;
        }
        brace = 0;
        continue;
      }
      brace = 0; /* "{n}" not followed by CRLF: ordinary text */
    }
    if (quoted) {
      if (esc)
        esc = 0;
      else if (ch == '\\')
        esc = 1;
      else if (ch == '"')
        quoted = 0;
      else if (ch == '\n')
        break; /* malformed; the line ended anyway */
      continue;
    }
    if (lit_len >= 0) {
      if (ch >= '0' && ch <= '9' && lit_len < 20 && (lit_len == 0 || lit[lit_len - 1] != '+')) {
        lit[lit_len++] = (char)ch;
        continue;
      }
      if (ch == '+' && lit_len > 0 && lit[lit_len - 1] != '+') {
        lit[lit_len++] = '+';
        continue;
      }
      if (ch == '}' && lit_len > 0 && lit[0] != '+') {
        lit[lit_len] = 0;
        lit_n = strtoull(lit, NULL, 10);
        brace = 1;
        lit_len = -1;
        continue;
      }
      lit_len = -1; /* not a literal after all */
    }
    if (ch == '\n') break;
    if (text == 1) continue;
    if (ch == '{')
      lit_len = 0;
    else if (ch == '"')
      quoted = 1;
  }
  r->head[r->head_len] = 0;
}

/* is r the tagged completion of tag? */
static int tag_is(const struct response* r, const char* tag) {
  size_t l = strlen(tag);
  return r->head_len > l && strncmp(r->head, tag, l) == 0 && r->head[l] == ' ';
}

static int status_ok(const struct response* r, const char* tag) {
  return strncmp(r->head + strlen(tag) + 1, "OK", 2) == 0;
}

static int is_fetch(const struct response* r) {
  /* "* <n> FETCH " */
  if (r->head_len < 10 || r->head[0] != '*' || r->head[1] != ' ') return 0;
  size_t i = 2;
  if (!(r->head[i] >= '0' && r->head[i] <= '9')) return 0;
  while (i < r->head_len && r->head[i] >= '0' && r->head[i] <= '9') i++;
  return i + 6 <= r->head_len && strncmp(r->head + i, " FETCH", 6) == 0;
}

static void print_head(const char* what, const struct response* r) {
  size_t l = r->head_len;
  while (l && (r->head[l - 1] == '\n' || r->head[l - 1] == '\r')) l--;
  fprintf(stderr, "raw_imap_fetch: %s: %.*s\n", what, (int)l, r->head);
}

/* read until the tagged completion of tag; returns 1 if OK */
static int wait_tag(struct conn* c, const char* tag, unsigned long long* exists, unsigned long long* uidnext) {
  struct response r;
  for (;;) {
    read_response(c, &r);
    if (r.head[0] == '*') {
      char* e;
      if (exists && r.head_len > 2 && r.head[2] >= '0' && r.head[2] <= '9') {
        unsigned long long n = strtoull(r.head + 2, &e, 10);
        if (strncmp(e, " EXISTS", 7) == 0) *exists = n;
      }
      if (uidnext && (e = strstr(r.head, "[UIDNEXT ")) != NULL) *uidnext = strtoull(e + 9, NULL, 10);
      if (strncmp(r.head, "* BYE", 5) == 0 && strcmp(tag, "z") != 0) print_head("server said", &r);
      continue;
    }
    if (tag_is(&r, tag)) {
      if (!status_ok(&r, tag)) print_head("command failed", &r);
      return status_ok(&r, tag);
    }
  }
}

/* ----------------------------------------------------------------- main */
static void quote(char* out, size_t cap, const char* in) {
  size_t o = 0;
  out[o++] = '"';
  for (; *in && o + 3 < cap; in++) {
    if (*in == '"' || *in == '\\') out[o++] = '\\';
    out[o++] = *in;
  }
  out[o++] = '"';
  out[o] = 0;
}

static SSL* start_tls(int fd, const char* host, const char* cafile) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) die(2, "SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (cafile) {
    if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) die(2, "cannot load CA file %s", cafile);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  }
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  struct in6_addr a6;
  struct in_addr a4;
  int is_ip = inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
  if (!is_ip) SSL_set_tlsext_host_name(ssl, host);
  if (cafile) {
    X509_VERIFY_PARAM* vp = SSL_get0_param(ssl);
    if (is_ip)
      X509_VERIFY_PARAM_set1_ip_asc(vp, host);
    else
      X509_VERIFY_PARAM_set1_host(vp, host, 0);
  }
  if (SSL_connect(ssl) != 1) {
    ERR_print_errors_fp(stderr);
    die(2, "TLS handshake failed");
  }
  return ssl;
}

int main(int argc, char** argv) {
  int tls = 0, starttls = 0, json = 0;
  unsigned long chunk = 0, pipeline = 1;
  const char *cafile = NULL, *section = NULL;
  static const struct option opts[] = {{"tls", no_argument, NULL, 't'},
                                       {"starttls", no_argument, NULL, 's'},
                                       {"cafile", required_argument, NULL, 'c'},
                                       {"chunk", required_argument, NULL, 'k'},
                                       {"pipeline", required_argument, NULL, 'p'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"section", required_argument, NULL, 'S'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int o;
  while ((o = getopt_long(argc, argv, "tsk:p:jS:h", opts, NULL)) != -1) {
    switch (o) {
      case 't':
        tls = 1;
        break;
      case 's':
        starttls = 1;
        break;
      case 'c':
        cafile = optarg;
        break;
      case 'k':
        chunk = strtoul(optarg, NULL, 10);
        break;
      case 'p':
        pipeline = strtoul(optarg, NULL, 10);
        break;
      case 'j':
        json = 1;
        break;
      case 'S':
        section = optarg;
        break;
      default:
        fprintf(stderr,
                "usage: raw_imap_fetch [-t|-s] [--cafile F] [-k K] [-p D] [-S SEC] [-j] "
                "HOST PORT USER PASSWORD FOLDER [FIELD...]\n");
        return o == 'h' ? 0 : 2;
    }
  }
  if (argc - optind < 5 || (tls && starttls) || pipeline < 1) {
    fprintf(stderr,
            "usage: raw_imap_fetch [-t|-s] [--cafile F] [-k K] [-p D] [-S SEC] [-j] "
            "HOST PORT USER PASSWORD FOLDER [FIELD...]\n");
    return 2;
  }
  const char *host = argv[optind], *port = argv[optind + 1], *user = argv[optind + 2];
  const char *pass = argv[optind + 3], *folder = argv[optind + 4];
  char fields[8192] = "";
  if (section) {
    if (strlen(section) + 16 >= sizeof fields) die(2, "section too long");
    snprintf(fields, sizeof fields, "BODY.PEEK[%s]", section);
  } else if (argc - optind > 5) {
    for (int i = optind + 5; i < argc; i++) {
      if (strlen(fields) + strlen(argv[i]) + 2 >= sizeof fields) die(2, "too many fields");
      if (fields[0]) strcat(fields, " ");
      strcat(fields, argv[i]);
    }
  } else {
    snprintf(fields, sizeof fields, "%s", DEFAULT_FIELDS);
  }
  char item[8300];
  if (section)
    snprintf(item, sizeof item, "%s", fields);
  else
    snprintf(item, sizeof item, "BODY.PEEK[HEADER.FIELDS (%s)]", fields);

  double t0 = now();
  struct addrinfo hints, *res;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  int gai = getaddrinfo(host, port, &hints, &res);
  if (gai) die(2, "%s:%s: %s", host, port, gai_strerror(gai));
  static struct conn c;
  c.fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (c.fd < 0 || connect(c.fd, res->ai_addr, res->ai_addrlen) != 0)
    die(2, "connect %s:%s: %s", host, port, strerror(errno));
  freeaddrinfo(res);
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (tls) c.ssl = start_tls(c.fd, host, cafile);

  struct response r;
  read_response(&c, &r); /* greeting */
  if (strncmp(r.head, "* OK", 4) != 0 && strncmp(r.head, "* PREAUTH", 9) != 0) {
    print_head("unexpected greeting", &r);
    return 2;
  }
  if (starttls) {
    sendf(&c, "s STARTTLS\r\n");
    if (!wait_tag(&c, "s", NULL, NULL)) return 1;
    if (c.pos != c.len) die(2, "data after STARTTLS completion (possible injection)");
    c.ssl = start_tls(c.fd, host, cafile);
  }
  char qu[1024], qp[1024], qf[1024];
  quote(qu, sizeof qu, user);
  quote(qp, sizeof qp, pass);
  quote(qf, sizeof qf, folder);
  sendf(&c, "a LOGIN %s %s\r\n", qu, qp);
  if (!wait_tag(&c, "a", NULL, NULL)) return 1;
  unsigned long long exists = 0, uidnext = 0;
  sendf(&c, "b SELECT %s\r\n", qf);
  if (!wait_tag(&c, "b", &exists, &uidnext)) return 1;
  double t1 = now();

  unsigned long long rx0 = c.rx - (c.len - c.pos);
  unsigned long long messages = 0, literal = 0, commands = 0;
  int ok = 1;
  unsigned long long lo = 1, sent = 0, done = 0;
  unsigned long long ncmd = 1;
  if (chunk > 0 && uidnext > 1)
    ncmd = (uidnext - 1 + chunk - 1) / chunk;
  else
    chunk = 0;
  while (done < ncmd) {
    while (sent < ncmd && sent - done < pipeline) {
      if (chunk == 0) {
        sendf(&c, "f%llu UID FETCH 1:* (UID %s)\r\n", sent, item);
      } else {
        unsigned long long hi = lo + chunk - 1;
        sendf(&c, "f%llu UID FETCH %llu:%llu (UID %s)\r\n", sent, lo, hi, item);
        lo = hi + 1;
      }
      sent++;
    }
    read_response(&c, &r);
    literal += r.literal_bytes;
    if (is_fetch(&r)) {
      messages++;
      continue;
    }
    if (r.head[0] == 'f') {
      char tag[32];
      snprintf(tag, sizeof tag, "f%llu", done);
      if (!tag_is(&r, tag)) {
        print_head("unexpected completion", &r);
        return 2;
      }
      if (!status_ok(&r, tag)) ok = 0;
      done++;
      commands++;
    } else if (strncmp(r.head, "* BYE", 5) == 0) {
      print_head("server said", &r);
      return 2;
    }
  }
  double t2 = now();
  unsigned long long bytes = c.rx - (c.len - c.pos) - rx0;
  sendf(&c, "z LOGOUT\r\n");
  wait_tag(&c, "z", NULL, NULL);
  if (c.ssl) SSL_shutdown(c.ssl);
  close(c.fd);

  const char* mode = tls ? "tls" : starttls ? "starttls" : "plain";
  if (json) {
    printf(
        "{\"folder\":\"%s\",\"mode\":\"%s\",\"verified\":%s,\"exists\":%llu,\"uidnext\":%llu,"
        "\"commands\":%llu,\"messages\":%llu,\"literal_bytes\":%llu,\"bytes\":%llu,"
        "\"seconds\":%.4f,\"login_seconds\":%.4f,\"ok\":%s}\n",
        folder, mode, (tls || starttls) && cafile ? "true" : "false", exists, uidnext, commands, messages, literal,
        bytes, t2 - t1, t1 - t0, ok ? "true" : "false");
  } else {
    printf(
        "folder=%s mode=%s%s exists=%llu commands=%llu messages=%llu literal_bytes=%llu bytes=%llu "
        "seconds=%.4f login_seconds=%.4f MB/s=%.1f%s\n",
        folder, mode, (tls || starttls) && !cafile ? "(unverified)" : "", exists, commands, messages, literal, bytes,
        t2 - t1, t1 - t0, (double)bytes / 1e6 / (t2 - t1 > 0 ? t2 - t1 : 1e-9), ok ? "" : " FAILED");
  }
  return ok ? 0 : 1;
}

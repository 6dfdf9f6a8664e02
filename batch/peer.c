/*
 * NAME
 *	peer 3
 * SUMMARY
 *	one batch exchange: send our spool, take theirs, confirm both
 * SYNOPSIS
 *	See peer.h.
 * DESCRIPTION
 *	Output is produced lazily: the next stored message is compressed
 *	only when less than OUT_LOW bytes wait to be written, so memory
 *	stays small however large the spool.  Input is decompressed as it
 *	comes; each message is handed on as soon as it is whole, for at
 *	most SLICE_MS at a time: a whole spool can arrive before the first
 *	message is handed on, and handing on hundreds at once (each an SMTP
 *	conversation with this side's Postfix) would starve our heartbeats
 *	and our own stream, and the other side would give up on us.  Our
 *	answers wait until our own frame has ended (they follow it on the
 *	stream).
 * DIAGNOSTICS
 *	See peer.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "bounce.h"
#include "inject.h"
#include "log.h"
#include "peer.h"
#include "submit.h"
#include "util.h"

#define HELLO "surel-batch 1\n"
#define OUT_LOW (64 * 1024)
#define OUT_HIGH (1024 * 1024)  /* answers waiting to be read: stop reading theirs */
#define LINE_MAX_LEN 600
#define WINDOW_LOG_MAX 24       /* 16 MB: what a peer may make us hold for its frame */
#define SEEN_KEEP (30LL * 86400)
#define HEARTBEAT 4             /* seconds: see keep_alive() */
#define SLICE_MS 1000           /* most time spent handing on messages between two looks at the line */

struct buf {
    char *p;
    size_t len, cap;
};

struct peer {
    const struct peer_opts *o;
    struct peer_stats *st;
    struct inject inj;
    int inj_open;
    ZSTD_CCtx *cz;
    struct spool_ids ids;
    size_t next;                /* ids[0..next) are in our frame */
    int frame_out_done, done_sent;
    struct buf out, answers;
    long long answered;
    ZSTD_DCtx *dz;
    struct buf in, rec;
    int hello, frame_in_done, their_end, peer_done, eof;
    char last_id[SPOOL_ID_LEN + 1];     /* the record being read, or the last one */
    size_t want;                /* its length, once its header is read (want_set) */
    int want_set;
    char skip_id[SPOOL_ID_LEN + 1];
    size_t skip_left;           /* bytes of an oversized message still to drop */
    time_t last_write;
    long long slice_end;        /* when to stop handing on messages and look at the line */
    int more;                   /* messages wait to be handed on (the slice ended) */
    char err[300];
};

/* A monotonic clock in milliseconds. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append n bytes to b; -1 when memory runs out. */
static int buf_add(struct buf *b, const void *d, size_t n)
{
    if (n == 0)
        return 0;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return -1;
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    return 0;
}

/* Drop the first n bytes of b. */
static void buf_drop(struct buf *b, size_t n)
{
    if (n == 0)
        return;
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

/* Stop with a reason (the first one wins); always -1. */
__attribute__((format(printf, 2, 3))) static int fail(struct peer *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (*p->err == '\0')
        vsnprintf(p->err, sizeof(p->err), fmt, ap);
    va_end(ap);
    return -1;
}

/* Feed data to the compressor (mode: continue or end) and queue its output. */
static int compress(struct peer *p, const void *data, size_t len, ZSTD_EndDirective mode)
{
    char chunk[65536];
    ZSTD_inBuffer ib = {data, len, 0};
    size_t left;
    do {
        ZSTD_outBuffer ob = {chunk, sizeof(chunk), 0};
        left = ZSTD_compressStream2(p->cz, &ob, &ib, mode);
        if (ZSTD_isError(left))
            return fail(p, "compression: %s", ZSTD_getErrorName(left));
        if (buf_add(&p->out, chunk, ob.pos) < 0)
            return fail(p, "%s", "out of memory");
    } while (mode == ZSTD_e_end ? left != 0 : ib.pos < ib.size);
    return 0;
}

/* Our next stored message into the frame (gone meanwhile: skipped). */
static int send_message(struct peer *p, const char *id)
{
    char *msg, head[80];
    size_t len;
    if (spool_read(p->o->spool, id, &msg, &len) < 0) {
        if (errno == ENOENT)
            return 0;
        return fail(p, "cannot read our spool: %s", strerror(errno));
    }
    int n = snprintf(head, sizeof(head), "R %s %zu\n", id, len);
    int rc = compress(p, head, (size_t)n, ZSTD_e_continue);
    if (rc == 0)
        rc = compress(p, msg, len, ZSTD_e_continue);
    free(msg);
    p->st->sent++;
    p->st->payload_out += (long long)len;
    return rc;
}

/* Queue one answer line: after our frame if it is still going. */
static int answer(struct peer *p, const char *word, const char *id, const char *why)
{
    char line[LINE_MAX_LEN];
    int n = snprintf(line, sizeof(line), "%s %s%s", word, id, why ? " " : "");
    for (size_t i = 0; why && why[i] && (size_t)n < sizeof(line) - 2; i++)
        line[n++] = ((unsigned char)why[i] < 0x20 || why[i] == 0x7f) ? ' ' : why[i];
    line[n++] = '\n';
    p->answered++;
    return buf_add(p->frame_out_done ? &p->out : &p->answers, line, (size_t)n) < 0
               ? fail(p, "%s", "out of memory") : 0;
}

/* Keep the output fed: messages, the frame's end, answers, "done". */
static int produce(struct peer *p)
{
    while (p->out.len < OUT_LOW && !p->frame_out_done) {
        if (p->next < p->ids.n) {
            if (send_message(p, p->ids.id[p->next++]) < 0)
                return -1;
            continue;
        }
        char end[40];
        int n = snprintf(end, sizeof(end), "E %lld\n", p->st->sent);    /* gone ones skipped */
        if (compress(p, end, (size_t)n, ZSTD_e_end) < 0)
            return -1;
        p->frame_out_done = 1;
        if (buf_add(&p->out, p->answers.p, p->answers.len) < 0)
            return fail(p, "%s", "out of memory");
        p->answers.len = 0;
    }
    if (p->frame_out_done && p->their_end && !p->done_sent) {
        char done[40];
        int n = snprintf(done, sizeof(done), "done %lld\n", p->answered);
        if (buf_add(&p->out, done, (size_t)n) < 0)
            return fail(p, "%s", "out of memory");
        p->done_sent = 1;
    }
    return 0;
}

/* The smtpd of this side, connected on first use. */
static struct inject *injector(struct peer *p)
{
    char err[200];
    if (!p->inj_open && inject_open(&p->inj, p->o->deliver_to, p->o->host, err, sizeof(err)) < 0) {
        fail(p, "%s", err);
        return NULL;
    }
    p->inj_open = 1;
    return &p->inj;
}

/* One message of theirs: hand it on unless we had it; answer. */
static int take_message(struct peer *p, const char *id, const char *msg, size_t len)
{
    struct spool_entry e;
    struct inject *in;
    if (spool_seen(p->o->spool, id)) {
        p->st->duplicates++;
        surel_info("%s: already queued in an earlier exchange", id);
        return answer(p, "ok", id, NULL);
    }
    if (spool_parse(msg, len, &e) < 0)
        return fail(p, "protocol error: %s is not a stored message", id);
    if ((in = injector(p)) == NULL)
        return -1;
    enum inject_result r = inject_send(in, e.sender, e.rcpt, e.body, e.body_len);
    if (r == INJECT_OK) {
        if (spool_mark_seen(p->o->spool, id) < 0)
            surel_warn("%s: queued, but its id cannot be kept (%s): a resend would deliver it "
                       "twice", id, strerror(errno));
        p->st->queued++;
        surel_info("%s: from=<%s> to=<%s> size=%zu: queued", id, e.sender, e.rcpt, e.body_len);
        return answer(p, "ok", id, NULL);
    }
    surel_warn("%s: from=<%s> to=<%s>: %s: %s", id, e.sender, e.rcpt,
               r == INJECT_REFUSED ? "refused" : "deferred", in->why);
    if (r == INJECT_REFUSED)
        p->st->rejected++;
    else
        p->st->deferred++;
    return answer(p, r == INJECT_REFUSED ? "no" : "later", id, in->why);
}

/* Drop the rest of an oversized message as it arrives; answer when it is gone. */
static int skip_message(struct peer *p)
{
    size_t k = p->rec.len < p->skip_left ? p->rec.len : p->skip_left;
    buf_drop(&p->rec, k);
    p->skip_left -= k;
    if (p->skip_left > 0)
        return 0;
    p->st->rejected++;
    surel_warn("%s: over the batch's size limit (%lld bytes): refused", p->skip_id,
               p->o->max_message);
    return answer(p, "no", p->skip_id, "552 5.3.4 message too big for this side");
}

/* One record header line ("R ID LEN", "E COUNT", "N"), NUL-terminated. */
static int take_header(struct peer *p, const char *line, size_t hl)
{
    char id[64], tail;
    unsigned long long n;
    if (strcmp(line, "N") == 0)                 /* a heartbeat */
        return 0;
    if (sscanf(line, "E %llu%c", &n, &tail) == 1) {
        if ((long long)n != p->st->received)
            return fail(p, "protocol error: the batch ends after a wrong count (%llu)", n);
        p->their_end = 1;
        return 0;
    }
    if (sscanf(line, "R %63s %llu%c", id, &n, &tail) != 2 || !spool_id_valid(id)
        || strcmp(id, p->last_id) <= 0)        /* a spool is sent in order, each id once */
        return fail(p, "protocol error: bad record header '%.60s'", line);
    memcpy(p->last_id, id, sizeof(p->last_id));
    p->st->received++;
    p->st->payload_in += (long long)n;
    if (n > (unsigned long long)p->o->max_message + 2 * SPOOL_ADDR_MAX + 64) {
        p->skip_left = (size_t)n;
        memcpy(p->skip_id, id, sizeof(p->skip_id));
        return 0;
    }
    p->want = (size_t)n;
    (void)hl;
    return 1;
}

/* Parse records from the decompressed bytes; hand on each whole message. */
static int take_records(struct peer *p)
{
    while (p->rec.len > 0 || (p->want_set && p->want == 0)) {
        if (p->skip_left > 0) {
            if (skip_message(p) < 0)
                return -1;
            continue;
        }
        if (p->want_set) {
            if (p->rec.len < p->want)
                return 0;
            if (now_ms() >= p->slice_end) {     /* heartbeats and our stream first */
                p->more = 1;
                return 0;
            }
            if (take_message(p, p->last_id, p->rec.p, p->want) < 0)
                return -1;
            buf_drop(&p->rec, p->want);
            p->want_set = 0;
            continue;
        }
        if (p->their_end)
            return fail(p, "%s", "protocol error: data after the end of the batch");
        char line[80], *nl = memchr(p->rec.p, '\n', p->rec.len < 80 ? p->rec.len : 80);
        if (nl == NULL)
            return p->rec.len < 80 ? 0 : fail(p, "%s", "protocol error: record header too long");
        size_t hl = (size_t)(nl - p->rec.p);
        memcpy(line, p->rec.p, hl);
        line[hl] = '\0';
        buf_drop(&p->rec, hl + 1);
        int rc = take_header(p, line, hl);
        if (rc < 0)
            return -1;
        p->want_set = rc == 1;
    }
    return 0;
}

/* Too many answers wait for the other side to read: take nothing more now. */
static int backed_up(const struct peer *p)
{
    return p->out.len + p->answers.len > OUT_HIGH;
}

/* Enough of their messages wait, decompressed, to be handed on: decompress
   no more (unless the one being read needs it whole). */
static int rec_full(const struct peer *p)
{
    return p->rec.len >= OUT_HIGH && !(p->want_set && p->rec.len < p->want);
}

/* Decompress what came in, up to the end of their frame. */
static int take_frame(struct peer *p)
{
    char chunk[65536];
    if (backed_up(p))
        return 0;
    if (take_records(p) < 0)        /* what an earlier slice left */
        return -1;
    /* Until zstd needs more input: a full output chunk may leave more of
       what it already took inside it, so it is asked again even when all
       the input is in (a whole frame can arrive in one read). */
    while (!p->more && !p->frame_in_done && !backed_up(p) && !rec_full(p)) {
        ZSTD_inBuffer ib = {p->in.p, p->in.len, 0};
        ZSTD_outBuffer ob = {chunk, sizeof(chunk), 0};
        size_t r = ZSTD_decompressStream(p->dz, &ob, &ib);
        if (ZSTD_isError(r))
            return fail(p, "their batch is damaged: %s", ZSTD_getErrorName(r));
        buf_drop(&p->in, ib.pos);
        if (buf_add(&p->rec, chunk, ob.pos) < 0)
            return fail(p, "%s", "out of memory");
        if (take_records(p) < 0)
            return -1;
        if (r == 0)
            p->frame_in_done = 1;
        else if (ob.pos < ob.size && ib.pos == ib.size)
            break;
    }
    if (p->frame_in_done && !p->more
        && (!p->their_end || p->rec.len > 0 || p->want_set || p->skip_left))
        return fail(p, "%s", "protocol error: the batch ended without its end record");
    return 0;
}

/* Was id in our frame?  (ids are sorted.) */
static int ours(const struct peer *p, const char *id)
{
    size_t lo = 0, hi = p->next;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(p->ids.id[mid], id);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* They refused our message for good: report it to its sender, then drop it;
   if the report cannot be handed to Postfix, keep both for the next exchange. */
static void refused(struct peer *p, const char *id, const char *why)
{
    char *msg, *report = NULL, err[300];
    size_t len, rlen;
    struct spool_entry e;
    surel_warn("%s: refused by the other side: %s", id, why);
    if (spool_read(p->o->spool, id, &msg, &len) < 0)
        return;
    if (spool_parse(msg, len, &e) < 0) {
        surel_error("%s: our own spool entry is damaged: kept for the administrator", id);
    } else if (*e.sender == '\0') {
        surel_info("%s: a report itself (sender <>): not reported back", id);
        p->st->refused++;
        spool_remove(p->o->spool, id);
    } else if ((report = bounce_build(&e, p->o->host, why, &rlen)) == NULL
               || submit_report(p->o->sendmail, p->o->postfix_config, e.sender, report, rlen, err,
                                sizeof(err)) < 0) {
        surel_warn("%s: the report to <%s> cannot be handed on now (%s): kept", id, e.sender,
                   report == NULL ? "out of memory" : err);
        p->st->later++;
    } else {
        p->st->refused++;
        p->st->bounces++;
        surel_info("%s: report sent to <%s>", id, e.sender);
        spool_remove(p->o->spool, id);
    }
    free(report);
    free(msg);
}

/* One answer line of theirs about our messages. */
static int take_answer(struct peer *p, char *line)
{
    char word[8], id[64];
    int off = 0;
    if (strcmp(line, ".") == 0)                 /* a heartbeat */
        return 0;
    long long count;
    for (char *c = line; *c; c++)              /* their words go into our log */
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    if (sscanf(line, "done %lld%n", &count, &off) == 1 && line[off] == '\0') {
        if (count != p->st->sent)
            return fail(p, "protocol error: %lld answers for %lld messages", count, p->st->sent);
        p->peer_done = 1;
        return 0;
    }
    if (sscanf(line, "%7s %63s%n", word, id, &off) != 2 || !spool_id_valid(id) || !ours(p, id))
        return fail(p, "protocol error: answer '%.80s'", line);
    const char *why = line[off] == ' ' ? line + off + 1 : "";
    if (strcmp(word, "ok") == 0) {
        p->st->delivered++;
        if (spool_remove(p->o->spool, id) < 0)
            surel_warn("%s: delivered, but it cannot be removed: %s", id, strerror(errno));
    } else if (strcmp(word, "no") == 0) {
        refused(p, id, why);
    } else if (strcmp(word, "later") == 0) {
        p->st->later++;
        surel_info("%s: the other side will take it later: %s", id, why);
    } else {
        return fail(p, "protocol error: answer '%.80s'", line);
    }
    return 0;
}

/* Everything that came in: the greeting, their frame, their answers. */
static int consume(struct peer *p)
{
    p->more = 0;
    if (p->in.len == 0 && p->rec.len == 0)
        return 0;
    if (!p->hello) {
        char *nl = memchr(p->in.p, '\n', p->in.len);
        if (nl == NULL)
            return p->in.len < 64 ? 0 : fail(p, "%s", "the other side is not surel-batch");
        size_t hl = (size_t)(nl - p->in.p) + 1;
        if (hl != strlen(HELLO) || memcmp(p->in.p, HELLO, hl) != 0)
            return fail(p, "the other side is not surel-batch 1: '%.60s'", p->in.p);
        buf_drop(&p->in, hl);
        p->hello = 1;
    }
    if (take_frame(p) < 0)
        return -1;
    while (p->frame_in_done && !p->more && p->in.len > 0) {
        char *nl = memchr(p->in.p, '\n', p->in.len);
        if (nl == NULL)
            return p->in.len < LINE_MAX_LEN ? 0 : fail(p, "%s", "protocol error: long answer");
        *nl = '\0';
        int rc = take_answer(p, p->in.p);
        buf_drop(&p->in, (size_t)(nl - p->in.p) + 1);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Write what we can without waiting. */
static int flush_out(struct peer *p)
{
    ssize_t w = write(p->o->out_fd, p->out.p, p->out.len);
    if (w < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (w < 0)
        return fail(p, "the connection is gone: %s", strerror(errno));
    buf_drop(&p->out, (size_t)w);
    p->st->wire_out += w;
    if (w > 0)
        p->last_write = time(NULL);
    return (int)(w > 0);
}

/* Read what is there; notes the other side's end. */
static int fill_in(struct peer *p)
{
    char chunk[65536];
    ssize_t r = read(p->o->in_fd, chunk, sizeof(chunk));
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (r < 0)
        return fail(p, "the connection is gone: %s", strerror(errno));
    if (r == 0) {
        p->eof = 1;
        return 0;
    }
    p->st->wire_in += r;
    return buf_add(&p->in, chunk, (size_t)r) < 0 ? fail(p, "%s", "out of memory") : 1;
}

/* The compressor at the chosen level, the decompressor with a capped window. */
static int start(struct peer *p)
{
    if ((p->cz = ZSTD_createCCtx()) == NULL || (p->dz = ZSTD_createDCtx()) == NULL)
        return fail(p, "%s", "out of memory");
    if (ZSTD_isError(ZSTD_CCtx_setParameter(p->cz, ZSTD_c_compressionLevel, p->o->level))
        || ZSTD_isError(ZSTD_DCtx_setParameter(p->dz, ZSTD_d_windowLogMax, WINDOW_LOG_MAX)))
        return fail(p, "%s", "zstd refuses the settings");
    if (spool_list(p->o->spool, &p->ids) < 0)
        return fail(p, "cannot list our spool: %s", strerror(errno));
    fcntl(p->o->in_fd, F_SETFL, fcntl(p->o->in_fd, F_GETFL) | O_NONBLOCK);
    fcntl(p->o->out_fd, F_SETFL, fcntl(p->o->out_fd, F_GETFL) | O_NONBLOCK);
    spool_prune_seen(p->o->spool, surel_now(), SEEN_KEEP);
    return buf_add(&p->out, HELLO, strlen(HELLO)) < 0 ? fail(p, "%s", "out of memory") : 0;
}

/* A side that only receives still sends a few bytes every HEARTBEAT
   seconds: ssh's and sshd's keepalives count a peer dead when nothing came
   from it for interval x count, and their own probes would wait behind
   the other direction's queued stream on a slow line.  Inside our frame a
   flushed "N" record, after it a "." line; the other side skips both. */
static int keep_alive(struct peer *p)
{
    if (p->out.len > 0 || time(NULL) - p->last_write < HEARTBEAT)
        return 0;
    p->last_write = time(NULL);
    if (!p->frame_out_done)
        return compress(p, "N\n", 2, ZSTD_e_flush);
    return buf_add(&p->out, ".\n", 2) < 0 ? fail(p, "%s", "out of memory") : 0;
}

/* Until both sides said "done" and all is written; or an error, a cut, silence. */
static int loop(struct peer *p)
{
    time_t last = time(NULL);
    p->last_write = last;
    while (!(p->done_sent && p->out.len == 0 && p->peer_done)) {
        if (produce(p) < 0)
            return -1;
        struct pollfd fds[2] = {{p->o->in_fd, p->eof || backed_up(p) ? 0 : POLLIN, 0},
                                {p->o->out_fd, p->out.len > 0 ? POLLOUT : 0, 0}};
        if (poll(fds, 2, p->more ? 0 : 1000) < 0 && errno != EINTR)
            return fail(p, "poll: %s", strerror(errno));
        if (p->o->stop != NULL && *p->o->stop)
            return fail(p, "%s", "stopped by a signal");
        if (keep_alive(p) < 0)
            return -1;
        int heard = 0;          /* a live peer sends at least its heartbeats */
        p->slice_end = now_ms() + SLICE_MS;
        if (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) {   /* first: their words explain */
            if ((heard = fill_in(p)) < 0 || consume(p) < 0)
                return -1;
        }
        if ((fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) && flush_out(p) < 0)
            return -1;
        if (!heard && (p->in.len > 0 || p->more) && !backed_up(p) && consume(p) < 0)
            return -1;              /* what waited while they were not reading, or the slice's rest */
        if (p->eof && !(p->peer_done && p->their_end))
            return fail(p, "%s", "the other side closed the connection before the end");
        if (heard)
            last = time(NULL);
        else if (time(NULL) - last > p->o->idle)
            return fail(p, "nothing came from the other side for %ld s", p->o->idle);
    }
    return 0;
}

int peer_run(const struct peer_opts *o, struct peer_stats *st, char *err, size_t len)
{
    struct peer p;
    memset(&p, 0, sizeof(p));
    memset(st, 0, sizeof(*st));
    p.o = o, p.st = st;
    int rc = start(&p) < 0 ? -1 : loop(&p);
    if (rc < 0)
        snprintf(err, len, "%s", p.err);
    if (p.inj_open)
        inject_close(&p.inj);
    ZSTD_freeCCtx(p.cz);
    ZSTD_freeDCtx(p.dz);
    spool_ids_free(&p.ids);
    free(p.out.p), free(p.answers.p), free(p.in.p), free(p.rec.p);
    return rc;
}

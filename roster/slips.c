/*
 * NAME
 *	slips 3
 * SUMMARY
 *	credential slips for new accounts
 * DESCRIPTION
 *	See slips.h.  CSV quoting is libcsv's.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "slips.h"
#include "slips_pdf.h"
#include "util.h"

struct slips {
    FILE *fp;
    char *path;
    char *tmp;
    char domain[256];
    char school[256];
    int csv;
    struct slips_pdf *pdf;      /* a path ending in ".pdf": printable slips */
    char webmail[512];          /* for the printable slips */
};

/* The PDF writer on the temporary file; s is freed when it cannot start. */
static struct slips *slips_open_pdf(struct slips *s, char *err, size_t errlen)
{
    s->pdf = slips_pdf_open(s->fp, s->school, err, errlen);
    if (s->pdf == NULL) {
        slips_discard(s);
        return NULL;
    }
    return s;
}

struct slips *slips_open(const char *path, const char *domain, const char *school,
                         char *err, size_t errlen)
{
    struct slips *s = calloc(1, sizeof(*s));
    size_t n = strlen(path);
    if (s == NULL || (s->path = strdup(path)) == NULL || (s->tmp = malloc(n + 16)) == NULL) {
        snprintf(err, errlen, "out of memory");
        slips_discard(s);
        return NULL;
    }
    snprintf(s->tmp, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(s->tmp);           /* mode 0600 */
    if (fd < 0 || (s->fp = fdopen(fd, "w")) == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(s->tmp);
        }
        s->tmp[0] = '\0';
        slips_discard(s);
        return NULL;
    }
    surel_strlcpy(s->domain, domain ? domain : "", sizeof(s->domain));
    surel_strlcpy(s->school, school ? school : "", sizeof(s->school));
    if (domain != NULL && *domain)
        snprintf(s->webmail, sizeof(s->webmail), "https://mail.%s/", domain);
    s->csv = n > 4 && strcmp(path + n - 4, ".csv") == 0;
    if (s->csv)
        fputs("username,full_name,class,password,address\n", s->fp);
    if (n > 4 && strcasecmp(path + n - 4, ".pdf") == 0)
        return slips_open_pdf(s, err, errlen);
    return s;
}

/* One CSV field, quoted by libcsv when it needs to be. */
static void csv_field(FILE *fp, const char *text, int last)
{
    csv_fwrite(fp, text, strlen(text));
    fputc(last ? '\n' : ',', fp);
}

int slips_add(struct slips *s, const struct roster_person *p, const char *password)
{
    char address[512];
    if (s->domain[0])
        snprintf(address, sizeof(address), "%s@%s", p->username, s->domain);
    else
        surel_strlcpy(address, p->username, sizeof(address));
    if (s->pdf != NULL) {
        struct slip_text t = {p->full_name, p->class_name, p->username, address, password,
                              s->webmail};
        return slips_pdf_add(s->pdf, &t);
    }
    if (s->csv) {
        csv_field(s->fp, p->username, 0);
        csv_field(s->fp, p->full_name, 0);
        csv_field(s->fp, p->class_name, 0);
        csv_field(s->fp, password, 0);
        csv_field(s->fp, address, 1);
    } else {
        fprintf(s->fp, "%s\n  Nama / Name     : %s\n  Kelas / Class   : %s\n"
                "  Pengguna / User : %s\n  Alamat / Address: %s\n  Sandi / Password: %s\n"
                "--------------------------------------------- 8< ----\n",
                s->school[0] ? s->school : "surel", p->full_name,
                p->class_name[0] ? p->class_name : "-", p->username, address, password);
    }
    return ferror(s->fp) ? -1 : 0;
}

void slips_set_webmail(struct slips *s, const char *url)
{
    if (url != NULL && *url)
        surel_strlcpy(s->webmail, url, sizeof(s->webmail));
}

int slips_commit(struct slips *s, char *err, size_t errlen)
{
    int rc = 0;
    char why[256];
    if (s->pdf != NULL && slips_pdf_finish(s->pdf, why, sizeof(why)) < 0) {
        /* A PDF cut short is no use to anyone: remove it and say how to make new ones. */
        snprintf(err, errlen, "%s: %s; the new accounts have no slips: give them passwords "
                 "with 'surel-roster passwd --generate --slips FILE USER...'", s->path, why);
        slips_discard(s);
        return -1;
    }
    if (fflush(s->fp) != 0 || fsync(fileno(s->fp)) != 0 || ferror(s->fp))
        rc = -1;
    if (fclose(s->fp) != 0)
        rc = -1;
    s->fp = NULL;
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s; the slips are in %s", s->path, strerror(errno), s->tmp);
    } else if (rename(s->tmp, s->path) != 0) {
        /* The accounts exist now: keep their passwords where they are. */
        snprintf(err, errlen, "%s: %s; the slips were left in %s", s->path, strerror(errno),
                 s->tmp);
        rc = -1;
    }
    s->tmp[0] = '\0';                  /* never delete passwords of live accounts */
    slips_discard(s);
    return rc;
}

void slips_discard(struct slips *s)
{
    if (s == NULL)
        return;
    slips_pdf_free(s->pdf);
    if (s->fp != NULL)
        fclose(s->fp);
    if (s->tmp != NULL && s->tmp[0] != '\0')
        unlink(s->tmp);
    free(s->tmp);
    free(s->path);
    free(s);
}

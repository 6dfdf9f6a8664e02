/*
 * NAME
 *	slips_pdf 3
 * SUMMARY
 *	printable credential slips (cairo's PDF surface, pango's layout)
 * SYNOPSIS
 *	See slips_pdf.h.
 * DESCRIPTION
 *	Units are PostScript points (A4 is 595 x 842) and pango's context
 *	is set to 72 dpi, so a font's size in points is its size on paper.
 *	Each slip is drawn clipped to its own cell: whatever a field holds,
 *	it cannot print over the next slip or a cut line.  Text is set with
 *	pango_layout_set_text(), which takes no markup.
 * DIAGNOSTICS
 *	See slips_pdf.h.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "slips_pdf.h"
#include "util.h"

#define PAGE_W 595.276
#define PAGE_H 841.890
#define COLS 2
#define ROWS 4
#define CELL_W (PAGE_W / COLS)
#define CELL_H (PAGE_H / ROWS)
#define PAD_X 18.0
#define PAD_Y 14.0
#define LABEL_W 80.0
#define VALUE_X (PAD_X + LABEL_W + 6.0)
#define VALUE_W (CELL_W - PAD_X - VALUE_X)
#define TEXT_W (CELL_W - 2 * PAD_X)

struct slips_pdf {
    FILE *fp;
    int write_errno;            /* errno of a failed write into fp, 0 if none */
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoFontMap *fonts;        /* our own, so that freeing it frees the fonts' caches */
    PangoContext *pango;
    char school[256];
    int count;                  /* slips drawn so far */
};

/* cairo's stream callback: append the PDF's bytes to the caller's file. */
static cairo_status_t write_bytes(void *closure, const unsigned char *data, unsigned int len)
{
    struct slips_pdf *p = closure;
    if (fwrite(data, 1, len, p->fp) != len) {
        p->write_errno = errno ? errno : EIO;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* A pango context at 72 dpi without hinted metrics: points on paper, same layout everywhere. */
static PangoContext *paper_context(PangoFontMap *fonts, cairo_t *cr)
{
    PangoContext *ctx = pango_font_map_create_context(fonts);
    pango_cairo_update_context(cr, ctx);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(ctx, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_context_set_resolution(ctx, 72.0);
    return ctx;
}

struct slips_pdf *slips_pdf_open(FILE *fp, const char *school, char *err, size_t errlen)
{
    struct slips_pdf *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->fp = fp;
    surel_strlcpy(p->school, school && *school ? school : "surel", sizeof(p->school));
    p->surface = cairo_pdf_surface_create_for_stream(write_bytes, p, PAGE_W, PAGE_H);
    p->cr = cairo_create(p->surface);
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot start the PDF: %s", cairo_status_to_string(cairo_status(p->cr)));
        slips_pdf_free(p);
        return NULL;
    }
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, _("Account slips"));
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "surel-roster");
    p->fonts = pango_cairo_font_map_new();
    p->pango = paper_context(p->fonts, p->cr);
    return p;
}

/* The page's cut lines: dashed, grey, between the columns and the rows. */
static void cut_lines(cairo_t *cr)
{
    static const double dash[] = {6.0, 4.0};
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_set_line_width(cr, 0.6);
    cairo_set_dash(cr, dash, 2, 0);
    for (int c = 1; c < COLS; c++) {
        cairo_move_to(cr, c * CELL_W, 0);
        cairo_line_to(cr, c * CELL_W, PAGE_H);
    }
    for (int r = 1; r < ROWS; r++) {
        cairo_move_to(cr, 0, r * CELL_H);
        cairo_line_to(cr, PAGE_W, r * CELL_H);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* A layout of plain text (no markup) in font, wrapped to width, at most lines lines. */
static PangoLayout *text_layout(struct slips_pdf *p, const char *font, const char *text,
                                double width, int lines)
{
    PangoLayout *l = pango_layout_new(p->pango);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_height(l, -lines);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_auto_dir(l, FALSE);   /* an Arabic name starts beside its label too */
    pango_layout_set_text(l, text, -1);
    return l;
}

/* Show a layout with its top left corner at (x, y); its height in points. */
static double show(cairo_t *cr, PangoLayout *l, double x, double y)
{
    int w, h;
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

/* Draw text in font at (x, y) within width and lines; its height. */
static double draw_text(struct slips_pdf *p, const char *font, const char *text, double x,
                        double y, double width, int lines)
{
    PangoLayout *l = text_layout(p, font, text, width, lines);
    double h = show(p->cr, l, x, y);
    g_object_unref(l);
    return h;
}

/* The name as large as fits in two lines, else condensed at 7 pt in up to seven (255 bytes fit). */
static PangoLayout *name_layout(struct slips_pdf *p, const char *name)
{
    static const char *const fonts[] = {"Sans Bold 13", "Sans Bold 11", "Sans Bold 9"};
    for (size_t i = 0; i < sizeof(fonts) / sizeof(*fonts); i++) {
        PangoLayout *l = text_layout(p, fonts[i], name, VALUE_W, 2);
        if (!pango_layout_is_ellipsized(l))
            return l;
        g_object_unref(l);
    }
    return text_layout(p, "Sans Condensed Bold 7", name, VALUE_W, 7);
}

/* One labelled line of the slip at y, label and value on one baseline; its height. */
static double field(struct slips_pdf *p, const char *label, PangoLayout *value, double y)
{
    PangoLayout *l = text_layout(p, "Sans 8", label, LABEL_W, 2);
    double drop = (double)(pango_layout_get_baseline(value) - pango_layout_get_baseline(l))
                  / PANGO_SCALE;
    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    double hl = show(p->cr, l, PAD_X, y + drop) + drop;
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    double hv = show(p->cr, value, VALUE_X, y);
    g_object_unref(l);
    g_object_unref(value);
    return (hl > hv ? hl : hv) + 4.0;
}

/* Draw one slip in its cell, clipped to it. */
static void draw_slip(struct slips_pdf *p, const struct slip_text *t, double x0, double y0)
{
    cairo_t *cr = p->cr;
    double y = PAD_Y;
    cairo_save(cr);
    cairo_rectangle(cr, x0 + 1, y0 + 1, CELL_W - 2, CELL_H - 2);
    cairo_clip(cr);
    cairo_translate(cr, x0, y0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    y += draw_text(p, "Sans Bold 10", p->school, PAD_X, y, TEXT_W, 1) + 2;
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, PAD_X, y);
    cairo_line_to(cr, CELL_W - PAD_X, y);
    cairo_stroke(cr);
    y += 5;
    y += field(p, _("Name"), name_layout(p, t->name), y);
    y += field(p, _("Class"), text_layout(p, "Sans 10.5", *t->class_name ? t->class_name : "-",
                                          VALUE_W, 1), y);
    y += field(p, _("Username"), text_layout(p, "Monospace Bold 11", t->username, VALUE_W, 2), y);
    y += field(p, _("E-mail address"), text_layout(p, "Monospace 9", t->address, VALUE_W, 2), y);
    y += field(p, _("Initial password"), text_layout(p, "Monospace Bold 15", t->password,
                                                     VALUE_W, 1), y);
    if (*t->webmail)
        y += field(p, _("Webmail"), text_layout(p, "Monospace 9", t->webmail, VALUE_W, 2), y);
    PangoLayout *hint = text_layout(p, "Sans Italic 8", _("Log in at the webmail address with "
                                    "this username and password. Keep this slip to yourself."),
                                    TEXT_W, 2);
    int w, h;
    pango_layout_get_size(hint, &w, &h);
    double bottom = CELL_H - PAD_Y - (double)h / PANGO_SCALE;
    show(cr, hint, PAD_X, y + 2 > bottom ? y + 2 : bottom);
    g_object_unref(hint);
    cairo_restore(cr);
}

int slips_pdf_add(struct slips_pdf *p, const struct slip_text *t)
{
    int at = p->count % (COLS * ROWS);
    if (at == 0 && p->count > 0)
        cairo_show_page(p->cr);
    if (at == 0)
        cut_lines(p->cr);
    draw_slip(p, t, (at % COLS) * CELL_W, (at / COLS) * CELL_H);
    p->count++;
    return cairo_status(p->cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

int slips_pdf_finish(struct slips_pdf *p, char *err, size_t errlen)
{
    cairo_show_page(p->cr);
    cairo_surface_finish(p->surface);
    cairo_status_t st = cairo_status(p->cr);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(p->surface);
    if (st == CAIRO_STATUS_SUCCESS)
        return 0;
    if (p->write_errno)
        snprintf(err, errlen, "%s", strerror(p->write_errno));
    else
        snprintf(err, errlen, "PDF: %s", cairo_status_to_string(st));
    errno = p->write_errno ? p->write_errno : EIO;
    return -1;
}

void slips_pdf_free(struct slips_pdf *p)
{
    if (p == NULL)
        return;
    if (p->pango != NULL)
        g_object_unref(p->pango);
    if (p->fonts != NULL)
        g_object_unref(p->fonts);
    cairo_destroy(p->cr);
    cairo_surface_destroy(p->surface);
    free(p);
}

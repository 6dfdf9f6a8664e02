/*
 * NAME
 *	import 3h
 * SUMMARY
 *	class lists into the roster: columns, rows, matching, changes
 * SYNOPSIS
 *	#include "import.h"
 * DESCRIPTION
 *	import_map_header() finds the columns of a header row, in Indonesian
 *	or English (Nama/Name, Kelas/Rombel/Class, NISN, JK, Peran/Role);
 *	other columns are ignored.
 *
 *	import_find_header() finds the header in a table: the first of its
 *	first IMPORT_HEADER_SEARCH rows with a name column (the title lines
 *	of a Dapodik export above it are skipped).  When the row below it
 *	leaves the name column empty (or repeats it, merged) and names
 *	sub-columns under an empty top cell, one of them a header word such
 *	as Nama, the header has two rows: a
 *	group's sub-columns are named with the group ("Data Ayah" +
 *	"Nama" -> "Data Ayah Nama"), so a parent's name is never the
 *	pupil's.  *first_data is the index of the first row after it.
 *
 *	import_read_row() also puts a name in capitals in the case people
 *	write it (name_case(3)), takes "Kelas 7A" as class 7A, and gives a
 *	NISN that a workbook stored as a number of 8 or 9 digits its lost
 *	leading zeros back (other lengths are refused naming the cell).
 *
 *	import_read_row() turns one data row into a checked struct
 *	import_row, using the defaults given with --role and --class.
 *
 *	import_plan() matches every row with the roster (by NISN when the
 *	row has one, else by name and class, the n-th person of that name in
 *	that class for the n-th such row) and decides, row by row, whether
 *	it adds, updates or leaves a person unchanged; with sync
 *	IMPORT_SYNC_CLASSES, active people of the imported classes who are
 *	missing from the file are graduated; with IMPORT_SYNC_SCHOOL, every
 *	active student missing from it (teachers and staff are never
 *	touched).  Each step is linear in the file or n log n: matched
 *	people, rows per name and the next free username suffix are kept in
 *	hash tables for the length of one import.  New people get their username here, inside the caller's
 *	transaction, so names given in this import count as taken.
 *	Nothing is deleted and no username or mailbox ever changes.
 * DIAGNOSTICS
 *	Negative return with err naming the file's line.
 */
#ifndef SUREL_IMPORT_H
#define SUREL_IMPORT_H

#include <stddef.h>

#include "csv_read.h"
#include "roster.h"

enum import_column { COL_NAME, COL_CLASS, COL_NISN, COL_GENDER, COL_ROLE, COL_COUNT };

struct import_row {
    int line;
    char full_name[ROSTER_NAME_MAX];
    char name_key[ROSTER_NAME_MAX];    /* for matching: ASCII, lower case */
    char class_name[ROSTER_CLASS_MAX];
    char nisn[ROSTER_NISN_MAX];
    char gender[4];
    enum roster_role role;
};

/* What import_plan() graduates: nobody; active people of the file's classes who are not in
 * it (--sync); every active student who is not in it (--sync-school). */
enum import_sync { IMPORT_SYNC_NONE, IMPORT_SYNC_CLASSES, IMPORT_SYNC_SCHOOL };

enum import_kind { IMPORT_ADD, IMPORT_UPDATE, IMPORT_UNCHANGED, IMPORT_GRADUATE };

struct import_change {
    enum import_kind kind;
    int line;                       /* 0 for graduations */
    struct roster_person before;    /* as stored (not for IMPORT_ADD) */
    struct roster_person after;     /* as it will be */
};

struct import_plan {
    int nchanges, cap;
    struct import_change *changes;
    int counts[4];                  /* by enum import_kind */
};

/* Rows searched for the header: title lines above it are skipped. */
#define IMPORT_HEADER_SEARCH 30

int import_map_header(const struct csv_row *header, int col[COL_COUNT], char *err, size_t errlen);
int import_find_header(const struct csv_table *t, int col[COL_COUNT], int *first_data,
                       char *err, size_t errlen);
int import_read_row(const struct csv_row *row, const int col[COL_COUNT], int default_role,
                    const char *default_class, struct import_row *out, char *err, size_t errlen);
int import_plan(struct roster *r, const struct import_row *rows, int nrows, int sync,
                struct import_plan *plan, char *err, size_t errlen);
void import_plan_free(struct import_plan *plan);
/* Give a new person a unique username and mailbox, not yet stored. */
int import_allocate_username(struct roster *r, struct roster_person *p);

#endif

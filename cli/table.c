/*
 * Tables within the terminal's 80 columns (cmd_plan.c's answers): each
 * column as wide as its longest cell, unless the row would then pass
 * the 80th column; then the widest columns that hold more than one word
 * give way, and their cells wrap, continuation lines under the cell, as
 * fsnames.c wraps a featureset's names under its label.  Cells break
 * after a blank (dropped) or a comma (kept), never inside a word, so a
 * table whose single words cannot fit still passes 80 columns: an id is
 * never cut.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define GAP	2	/* blanks between two columns */

/* The length of s's longest word, a comma kept with the word before. */
static size_t
longest_word(const char *s)
{
	size_t len, most = 0;

	while (*s != '\0') {
		len = strcspn(s, " ,");
		len += s[len] == ',';
		if (len > most)
			most = len;
		s += len;
		s += strspn(s, " ");
	}
	return most;
}

void
table_init(struct table *t, int ncols, const char *const *head)
{
	int c;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	/* A head never wraps: its whole length is its column's least. */
	for (c = 0; c < ncols; c++)
		t->width[c] = t->least[c] = strlen(head[c]);
}

void
table_measure(struct table *t, const char *const *cells)
{
	size_t len;
	int c;

	for (c = 0; c < t->ncols; c++) {
		if ((len = strlen(cells[c])) > t->width[c])
			t->width[c] = len;
		if ((len = longest_word(cells[c])) > t->least[c])
			t->least[c] = len;
	}
}

/*
 * Narrow the widest column that can give way, a column at a time, until
 * a row fits CLI_COLS or no column can give more.
 */
void
table_fit(struct table *t)
{
	size_t total = GAP * (size_t)(t->ncols - 1);
	int c, widest;

	for (c = 0; c < t->ncols; c++)
		total += t->width[c];
	while (total > CLI_COLS) {
		widest = -1;
		for (c = 0; c < t->ncols; c++)
			if (t->width[c] > t->least[c] && (widest == -1 ||
			    t->width[c] > t->width[widest]))
				widest = c;
		if (widest == -1)
			break;
		t->width[widest]--;
		total--;
	}
}

/*
 * The first line of s within width: its length, and in *next where the
 * rest starts (past the blanks at the break).  At least one word, even
 * one longer than width.
 */
static size_t
line_of(const char *s, size_t width, const char **next)
{
	size_t at = 0, end = 0, len;

	while (s[at] != '\0') {
		len = strcspn(s + at, " ,");
		len += s[at + len] == ',';
		if (end > 0 && at + len > width)
			break;
		end = at + len;
		at = end + strspn(s + end, " ");
	}
	*next = s + end + strspn(s + end, " ");
	return end;
}

/* A row: as many lines as its longest cell needs, no trailing blanks. */
void
table_print(const struct table *t, const char *const *cells)
{
	const char *p[TABLE_COLS], *next;
	size_t len;
	int c, last;

	for (c = 0; c < t->ncols; c++)
		p[c] = cells[c];
	do {
		for (last = t->ncols - 1; last > 0 && *p[last] == '\0'; last--)
			continue;
		for (c = 0; c <= last; c++) {
			len = line_of(p[c], t->width[c], &next);
			if (c < last)
				printf("%-*.*s%*s", (int)t->width[c], (int)len,
				    p[c], GAP, "");
			else
				printf("%.*s\n", (int)len, p[c]);
			p[c] = next;
		}
		for (c = 0; c < t->ncols && *p[c] == '\0'; c++)
			continue;
	} while (c < t->ncols);
}

/*
 * s from column col (where the caller's label ended) on, wrapped within
 * CLI_COLS, continuation lines indented to col; with --raw on one line.
 * Ends the line.
 */
void
table_print_wrapped(int col, const char *s)
{
	const char *next;
	size_t len, width;

	width = !cli_raw && col < CLI_COLS ? CLI_COLS - (size_t)col :
	    strlen(s);
	do {
		len = line_of(s, width, &next);
		printf("%.*s\n", (int)len, s);
		s = next;
		if (*s != '\0')
			printf("%*s", col, "");
	} while (*s != '\0');
}

/* SPDX-License-Identifier: MIT */
/*
 * src/cli/opt_tab.c - merging option tables into one for getopt_long
 * (see opt_tab.h).
 */
#include <string.h>

#include "engine/engine.h"
#include "opt_tab.h"

/* The engine's rows have long names only; these are the short ones. */
static const struct {
	char short_name;
	const char *name;
} eng_short[] = {
	{ 'l', "listen" }, { 'w', "workers" }, { 'e', "engine" },
};

static char engine_short(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(eng_short) / sizeof(eng_short[0]); i++)
		if (!strcmp(eng_short[i].name, name))
			return eng_short[i].short_name;
	return 0;
}

void cli_opt_tab_add(struct cli_opt_tab *t, const char *name, int has_arg,
		     char short_name)
{
	size_t len = strlen(t->so);

	/* Two rows stay free: --help and getopt_long's zero row. */
	if (t->n + 2 >= CLI_OPT_ROWS)
		return;
	t->lo[t->n] = (struct option){ name, has_arg ? required_argument :
				       no_argument, NULL,
				       CLI_OPT_ROW + (int)t->n };
	t->names[t->n] = name;
	t->shorts[t->n] = short_name;
	if (short_name && len + 3 < sizeof(t->so)) {
		t->so[len++] = short_name;
		if (has_arg)
			t->so[len++] = ':';
		t->so[len] = '\0';
	}
	t->n++;
}

void cli_opt_tab_init(struct cli_opt_tab *t)
{
	const struct eng_option *eo;

	memset(t, 0, sizeof(*t));
	for (eo = eng_options; eo->name; eo++)
		cli_opt_tab_add(t, eo->name, eo->arg != NULL,
				engine_short(eo->name));
}

void cli_opt_tab_finish(struct cli_opt_tab *t)
{
	t->lo[t->n] = (struct option){ "help", no_argument, NULL, 'h' };
	strcat(t->so, "h");
}

int cli_opt_tab_row(const struct cli_opt_tab *t, int c)
{
	unsigned int i;

	if (c >= CLI_OPT_ROW && c < CLI_OPT_ROW + (int)t->n)
		return c - CLI_OPT_ROW;
	for (i = 0; c && i < t->n; i++)
		if (t->shorts[i] == c)
			return (int)i;
	return -1;
}

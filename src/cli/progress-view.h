/* progress-view.h - the live progress of `corral wait` and `corral logs
 * --follow` (progressbar.h's line, fed from the job's record and its memory
 * group).  On a terminal the bar is redrawn in place on the last line; off a
 * terminal `wait` prints a plain line whenever the progress changes.
 */
#pragma once

#include "job.h"

#include <stdbool.h>
#include <stdio.h>

struct progress_view;

/* tty: out is a terminal (the bar is drawn there); else plain lines go to out
 * when plain is true, and nothing is shown when it is false. */
int progress_view_new(FILE *out, bool tty, bool plain, struct progress_view **ret);
/* Shows j's state now. */
void progress_view_update(struct progress_view *v, const struct job *j);
/* Erases the bar (before other output on the same terminal). */
void progress_view_clear(struct progress_view *v);
/* Erases the bar and frees. */
void progress_view_free(struct progress_view *v);
DEFINE_FREE_FUNC(struct progress_view, progress_view_free)

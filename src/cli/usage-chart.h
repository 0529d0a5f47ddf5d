/* usage-chart.h - draws a job's usage series (memory against its limit, CPU)
 * as small block charts for a terminal: `corral status ID` and `corral top`. */
#pragma once

#include "usage.h"

#include <stdint.h>
#include <stdio.h>

/* Memory (scaled to limit_bytes, else to the peak) and CPU (percent of one
 * CPU, scaled to the largest value or 100) over the whole series, each rows
 * lines high and at most width columns wide, with a caption line. */
void usage_chart_print(FILE *f, const struct usage_series *s, uint64_t limit_bytes, int width,
                       int rows);
/* One line of at most width block characters: memory over time, for a table. */
void usage_sparkline_print(FILE *f, const struct usage_series *s, uint64_t limit_bytes, int width);

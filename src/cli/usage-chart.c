/* usage-chart.c - block charts of a usage series (see usage-chart.h).
 *
 * Each column covers an equal share of the points and shows their largest
 * value, so a spike (the climb to an OOM kill) is never averaged away.  Eight
 * heights per character row, drawn with U+2581..U+2588. */
#include "usage-chart.h"
#include "units.h"

#include <string.h>

static const char *const blocks[9] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

#define MAX_COLS 200

/* CPU percent of one CPU between point i-1 and i. */
static double cpu_percent(const struct usage_series *s, size_t i)
{
        if (i == 0)
                return 0;
        uint64_t dt = s->p[i].t_ms - s->p[i - 1].t_ms;
        if (dt == 0)
                return 0;
        uint64_t du = s->p[i].cpu_usec - s->p[i - 1].cpu_usec;
        return (double)du / 10.0 / (double)dt; /* usec / (ms * 1000) * 100 */
}

/* Resamples the series into cols columns; which: 0 memory, 1 cpu. */
static int columns(const struct usage_series *s, int which, int width, double *out)
{
        int cols = s->n < (size_t)width ? (int)s->n : width;
        for (int c = 0; c < cols; c++) {
                size_t a = (size_t)c * s->n / (size_t)cols,
                       b = (size_t)(c + 1) * s->n / (size_t)cols;
                double v = 0;
                for (size_t i = a; i < b; i++) {
                        double x = which == 0 ? (double)s->p[i].memory_bytes : cpu_percent(s, i);
                        if (x > v)
                                v = x;
                }
                out[c] = v;
        }
        return cols;
}

static void draw(FILE *f, const double *v, int cols, double scale, int rows, const char *label,
                 int row_label_at)
{
        for (int r = rows - 1; r >= 0; r--) {
                fprintf(f, "  %-8s│", r == row_label_at ? label : "");
                for (int c = 0; c < cols; c++) {
                        int eighths = scale > 0 ? (int)(v[c] / scale * rows * 8 + 0.5) : 0;
                        int fill = eighths - r * 8;
                        fputs(blocks[fill < 0 ? 0 : fill > 8 ? 8 : fill], f);
                }
                fputc('\n', f);
        }
}

void usage_chart_print(FILE *f, const struct usage_series *s, uint64_t limit_bytes, int width,
                       int rows)
{
        if (s->n == 0)
                return;
        if (width > MAX_COLS)
                width = MAX_COLS;
        double mem[MAX_COLS], cpu[MAX_COLS];
        int cols = columns(s, 0, width, mem);
        columns(s, 1, width, cpu);
        uint64_t peak = 0;
        double cpu_max = 0;
        for (size_t i = 0; i < s->n; i++) {
                if (s->p[i].memory_peak_bytes > peak)
                        peak = s->p[i].memory_peak_bytes;
                if (s->p[i].memory_bytes > peak)
                        peak = s->p[i].memory_bytes;
                double c = cpu_percent(s, i);
                if (c > cpu_max)
                        cpu_max = c;
        }
        char a[32], b[32];
        fprintf(f, "  memory: peak %s", format_bytes(a, sizeof(a), peak));
        if (limit_bytes)
                fprintf(f, " of a %s limit (%.0f%%)", format_bytes(b, sizeof(b), limit_bytes),
                        100.0 * (double)peak / (double)limit_bytes);
        fputc('\n', f);
        draw(f, mem, cols, limit_bytes ? (double)limit_bytes : (double)peak, rows, "memory",
             rows - 1);
        fprintf(f, "  cpu: at most %.0f%% of one CPU\n", cpu_max);
        draw(f, cpu, cols, cpu_max > 100 ? cpu_max : 100, rows, "cpu", rows - 1);
        fprintf(f, "  %-8s└ %.1f s, %zu points (one every %.1f s or less)\n", "",
                (double)s->p[s->n - 1].t_ms / 1e3, s->n, (double)s->interval_ms / 1e3);
}

void usage_sparkline_print(FILE *f, const struct usage_series *s, uint64_t limit_bytes, int width)
{
        if (width > MAX_COLS)
                width = MAX_COLS;
        double mem[MAX_COLS];
        int cols = s->n ? columns(s, 0, width, mem) : 0;
        uint64_t peak = 0;
        for (size_t i = 0; i < s->n; i++)
                if (s->p[i].memory_bytes > peak)
                        peak = s->p[i].memory_bytes;
        double scale = limit_bytes ? (double)limit_bytes : (double)peak;
        for (int c = 0; c < cols; c++) {
                int e = scale > 0 ? (int)(mem[c] / scale * 8 + 0.5) : 0;
                fputs(blocks[e < 1 ? 1 : e > 8 ? 8 : e], f);
        }
        for (int c = cols; c < width; c++)
                fputc(' ', f);
}

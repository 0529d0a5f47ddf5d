/* The cmocka fixture the store unit tests share: a private temporary
 * directory with the state directory <tmpdir>/state in it, made before each
 * test and removed after it whatever the test did, and a store opened there.
 * Include after cmocka.h and store-test-util.h. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static char tmpdir[64];
static char statedir[128];

static int setup(void **state)
{
        (void)state;
        strcpy(tmpdir, "/tmp/corral-test-store.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        snprintf(statedir, sizeof(statedir), "%s/state", tmpdir);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        return test_rm_rf(tmpdir);
}

static inline struct store *open_store(void)
{
        struct store *s = NULL;
        assert_int_equal(store_open(statedir, NULL, &s), 0);
        return s;
}

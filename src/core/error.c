/*
 * error.c -- the last error message, one per thread.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ctorch.h"

static _Thread_local char last_error[512];

const char *ct_last_error(void)
{
    return last_error[0] ? last_error : "unknown error";
}

int ct_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return -1;
}

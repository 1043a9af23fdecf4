/*
 * pty_driver.c -- runs a program on a pseudo-terminal and plays a script
 * at it, for the REPL spec (spec/repl_spec.lua).
 *
 * usage: pty_driver [-t seconds] -- program [args...]  < script
 *
 * The script has one step per line:
 *   send TEXT    types TEXT (escapes: \r \n \t \e \\ \xHH)
 *   expect TEXT  waits until TEXT (same escapes) appears in the output after
 *                the previous match, for at most -t seconds (default 10)
 *   sleep MS     waits MS milliseconds, collecting output
 *   signal N     sends signal number N to the program (e.g. 18, SIGCONT)
 *   wait         waits (at most -t seconds) for the program to exit
 * Everything the program writes is copied to stdout, followed by a line
 * "[pty_driver: exit N]" (or "[pty_driver: killed]" if it was still running
 * at the end).  A step that times out prints "[pty_driver: timeout ...]",
 * kills the program and exits with status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int master = -1;
static pid_t child = -1;
static char *out;               /* everything read so far */
static size_t out_len, out_cap, matched; /* matched: end of the last expect match */
static int child_done, child_status;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Decodes the escapes of TEXT in place; returns its length. */
static size_t unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\' || !r[1]) {
            *w++ = *r;
            continue;
        }
        r++;
        switch (*r) {
        case 'r': *w++ = '\r'; break;
        case 'n': *w++ = '\n'; break;
        case 't': *w++ = '\t'; break;
        case 'e': *w++ = 27; break;
        case 'x': {
            char hex[3] = {r[1], r[1] ? r[2] : 0, 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
            break;
        }
        default: *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

/* Reads what the program wrote, waiting at most ms; 0 once it closed the terminal. */
static int pump(int ms)
{
    struct pollfd p = {master, POLLIN, 0};
    int r = poll(&p, 1, ms);
    if (r <= 0)
        return 1;
    char buf[4096];
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0)
        return (n < 0 && errno == EINTR) ? 1 : 0; /* EIO: the program's side is closed */
    if (out_len + (size_t)n + 1 > out_cap) {
        out_cap = (out_len + (size_t)n + 1) * 2;
        out = realloc(out, out_cap);
        if (!out) {
            perror("pty_driver");
            exit(2);
        }
    }
    memcpy(out + out_len, buf, (size_t)n);
    out_len += (size_t)n;
    fwrite(buf, 1, (size_t)n, stdout);
    fflush(stdout);
    return 1;
}

static void reap(int block)
{
    if (child_done)
        return;
    if (waitpid(child, &child_status, block ? 0 : WNOHANG) == child)
        child_done = 1;
}

static void finish(int code)
{
    reap(0);
    if (!child_done) {
        kill(child, SIGKILL);
        reap(1);
        printf("\n[pty_driver: killed]\n");
    } else if (WIFEXITED(child_status)) {
        printf("\n[pty_driver: exit %d]\n", WEXITSTATUS(child_status));
    } else {
        printf("\n[pty_driver: signal %d]\n", WTERMSIG(child_status));
    }
    fflush(stdout);
    exit(code);
}

static int seen(const char *text, size_t len)
{
    if (!out)
        return 0;
    char *hit = memmem(out + matched, out_len - matched, text, len);
    if (hit)
        matched = (size_t)(hit - out) + len;
    return hit != NULL;
}

static void step_expect(const char *text, size_t len, double timeout)
{
    double deadline = now() + timeout;
    while (!seen(text, len)) {
        double left = deadline - now();
        int open = left > 0 && pump((int)(left * 1000) + 1);
        if (!open && !seen(text, len)) {
            printf("\n[pty_driver: %s \"%s\"]\n",
                   left > 0 ? "the program closed the terminal before" : "timeout waiting for", text);
            finish(1);
        }
        if (!open)
            return;
    }
}

static void start(char **argv)
{
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        perror("pty_driver: posix_openpt");
        exit(2);
    }
    const char *slave_name = ptsname(master);
    struct winsize ws = {24, 80, 0, 0};
    ioctl(master, TIOCSWINSZ, &ws);
    child = fork();
    if (child < 0) {
        perror("pty_driver: fork");
        exit(2);
    }
    if (child == 0) {
        setsid();
        int slave = open(slave_name, O_RDWR);
        if (slave < 0) {
            perror("pty_driver: open slave");
            _exit(127);
        }
        ioctl(slave, TIOCSCTTY, 0);
        dup2(slave, 0);
        dup2(slave, 1);
        dup2(slave, 2);
        if (slave > 2)
            close(slave);
        close(master);
        signal(SIGINT, SIG_DFL);
        execvp(argv[0], argv);
        perror("pty_driver: exec");
        _exit(127);
    }
}

int main(int argc, char **argv)
{
    double timeout = 10;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
            timeout = atof(argv[++i]);
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: pty_driver [-t seconds] -- program [args...] < script\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    start(argv + i);

    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *arg = strchr(line, ' ');
        arg = arg ? arg + 1 : line + strlen(line);
        if (strncmp(line, "send ", 5) == 0) {
            size_t len = unescape(arg);
            if (write(master, arg, len) != (ssize_t)len) {
                printf("\n[pty_driver: cannot send \"%s\"]\n", arg);
                finish(1);
            }
        } else if (strncmp(line, "expect ", 7) == 0) {
            size_t len = unescape(arg);
            step_expect(arg, len, timeout);
        } else if (strncmp(line, "sleep ", 6) == 0) {
            double until = now() + atof(arg) / 1000;
            while (now() < until && pump((int)((until - now()) * 1000) + 1))
                ;
        } else if (strncmp(line, "signal ", 7) == 0) {
            kill(child, atoi(arg));
        } else if (strcmp(line, "wait") == 0) {
            double deadline = now() + timeout;
            while (now() < deadline && pump((int)((deadline - now()) * 1000) + 1))
                ;
            while (!child_done && now() < deadline) {
                reap(0);
                if (!child_done)
                    usleep(10000);
            }
            if (!child_done) {
                printf("\n[pty_driver: timeout waiting for the exit]\n");
                finish(1);
            }
        } else if (line[0]) {
            fprintf(stderr, "pty_driver: unknown step '%s'\n", line);
            finish(2);
        }
    }
    finish(0);
    return 0;
}

/*
 * A daemon run to its end (daemon_harness.h): the tests of what the
 * daemons refuse to start with run them by hand, not through fc_start,
 * since their arguments are not the harness's and they must exit.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon_harness.h"

size_t
fc_daemon_args(const char **args, const char *db, const char *rpc,
    const char *events)
{
	size_t n = 0;

	args[n++] = "--db";
	args[n++] = db;
	args[n++] = "--rpc";
	args[n++] = rpc;
	if (events != NULL) {
		args[n++] = "--events";
		args[n++] = events;
		args[n++] = "--probe";
		args[n++] = "none";
	}
	args[n] = NULL;
	return n;
}

int
fc_run_for(const char *bin, const char *const *args, long ms, char *out,
    size_t outlen)
{
	char path[FC_PATH_MAX];
	const char *argv[16];
	struct featured p = FC_INIT;
	long long deadline;
	size_t i, n;
	FILE *fp;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/run.out", fc_test_dir());
	argv[0] = bin;
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -2;
	fflush(stdout);
	if ((p.pid = fork()) == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fd);
	deadline = fc_now_ms() + ms;
	while (fc_alive(&p) && fc_now_ms() < deadline)
		fc_sleep_ms(20);
	if (p.pid != -1) {
		fc_kill_hard(&p);
		rc = -1;
	} else if (WIFSIGNALED(p.status))
		rc = 128 + WTERMSIG(p.status);
	else
		rc = WEXITSTATUS(p.status);
	out[0] = '\0';
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(out, 1, outlen - 1, fp);
		out[n] = '\0';
		fclose(fp);
	}
	unlink(path);
	return rc;
}

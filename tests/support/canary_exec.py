#!/usr/bin/env python3
"""Stands in for entratool in secret canary mode (canary.py says what is recorded where).

    canary_exec.py --dir CANARY_DIR --real ENTRATOOL -- ARGS...      one entratool run
    canary_exec.py --dir CANARY_DIR --browser-probe -- BROWSER... URL  what $BROWSER runs

A run: records the secrets it is given, snapshots the folders it may write, runs the real
entratool as its child with the same environment, arguments, working folder and inherited file
descriptors, relays (and records) stdout and stderr when they are not terminals, forwards the
signals a test sends, and afterwards copies every file the run created or changed. Its exit
status is entratool's (a death by signal is repeated). If the wrapper is killed, entratool dies
with it (PR_SET_PDEATHSIG). $BROWSER, when it names a program, is run through the probe, which
records the environment and argv the browser got and then becomes the browser.
"""

import ctypes
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import canary  # noqa: E402

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
PR_SET_PDEATHSIG = 1
MAX_FILE = 4 * 1024 * 1024  # larger files are not entratool's


def parse(argv):
    opts = {}
    i = 0
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "--browser-probe":
            opts["probe"] = True
            i += 1
        else:
            opts[argv[i].lstrip("-")] = argv[i + 1]
            i += 2
    return opts, argv[i + 1:]


def executable(word):
    if os.sep in word:
        return os.path.isfile(word) and os.access(word, os.X_OK)
    return shutil.which(word) is not None


def probe(folder, rest):
    """The browser entratool started: record what it was given, then become it."""
    path = os.path.join(folder, "children", f"{time.time_ns()}-{os.getpid()}.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"argv": rest, "environ": dict(os.environ)}, f)
    os.rename(path + ".tmp", path)
    os.execvp(rest[0], rest)


def harvest(folder, env, args, stdin_data):
    for name in canary.SECRET_VARIABLES:
        canary.record(name, env.get(name, ""), folder)
    token_file = env.get("AZURE_FEDERATED_TOKEN_FILE")
    if token_file:
        try:
            with open(token_file, encoding="utf-8", errors="replace") as f:
                canary.record("AZURE_FEDERATED_TOKEN_FILE", f.read(1 << 16).strip(), folder)
        except OSError:
            pass
    for i, a in enumerate(args):
        for option in canary.SECRET_OPTIONS:
            if a == option and i + 1 < len(args):
                canary.record(option, args[i + 1], folder)
            elif a.startswith(option + "="):
                canary.record(option, a.split("=", 1)[1], folder)
    if stdin_data is not None:
        text = stdin_data.decode("utf-8", "replace")
        canary.record("stdin of " + next(a for a in args if a.endswith("-stdin")), text.strip("\r\n"), folder)


def roots(env, args, cwd):
    """The folders a run may write into, limited to the test's temporary folders."""
    tmp = os.path.realpath(tempfile.gettempdir())
    candidates = [env.get(k) for k in ("HOME", "ENTRATOOL_CONFIG_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                       "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "TMPDIR")]
    candidates.append(cwd)
    for a in args:
        value = a.split("=", 1)[1] if a.startswith("--") and "=" in a else a
        if os.sep in value and not value.startswith(("http:", "https:")):
            candidates.append(os.path.dirname(os.path.join(cwd, value)))
    out = []
    for c in candidates:
        if not c:
            continue
        real = os.path.realpath(c)
        # Only strict subfolders of the temporary folder: never /tmp itself or anything else.
        if real.startswith(tmp + os.sep) and real not in out:
            out.append(real)
    # Nested roots are walked once.
    return [r for r in out if not any(r != o and r.startswith(o + os.sep) for o in out)]


def snapshot(folders, exclude):
    seen = {}
    for root in folders:
        for dirpath, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if os.path.join(dirpath, d) != exclude]
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if os.path.stat.S_ISREG(st.st_mode):
                    seen[path] = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
    return seen


def store_ciphertext(path):
    """The secret store's encrypted files: <store>/<sha256>.sec beside its store.json."""
    return path.endswith(".sec") and os.path.exists(os.path.join(os.path.dirname(path), "store.json"))


def copy_changes(before, after, rundir):
    n = 0
    for path, stamp in after.items():
        if before.get(path) == stamp or store_ciphertext(path):
            continue
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_FILE)
        except OSError:
            continue
        target = os.path.join(rundir, "files", path.lstrip(os.sep))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
        n += 1
    return n


def pdeathsig():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def run(folder, real, args):
    env = dict(os.environ)
    cwd = os.getcwd()
    rundir = os.path.join(folder, "runs", f"{time.time_ns()}-{os.getpid()}")
    os.makedirs(rundir)
    with open(os.path.join(rundir, "argv.json"), "w") as f:
        json.dump(args, f)

    secret_stdin = any(a.endswith("-stdin") for a in args) and not os.isatty(0)
    stdin_data = None
    if secret_stdin:
        # Read up front (these options read all of stdin before anything else happens).
        chunks = []
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        stdin_data = b"".join(chunks)
        with open(os.path.join(rundir, "stdin"), "wb") as f:
            f.write(stdin_data)
    harvest(folder, env, args, stdin_data)

    browser = env.get("BROWSER", "")
    words = browser.split()
    if words and executable(words[0]):
        env["BROWSER"] = " ".join([sys.executable, os.path.abspath(__file__), "--dir", folder, "--browser-probe", "--"]
                                  + words)

    folders = roots(env, args, cwd)
    before = snapshot(folders, folder)

    captured = [fd for fd in (1, 2) if not os.isatty(fd)]
    pipes = {fd: os.pipe() for fd in captured}
    stdin_pipe = os.pipe() if secret_stdin else None
    child_fds = {}
    saved = {}
    # The child inherits 0-2 as they are, except the captured ones and a replayed stdin.
    for fd, (r, w) in pipes.items():
        saved[fd] = os.dup(fd)
        os.dup2(w, fd)
        os.close(w)
        child_fds[fd] = r
    if stdin_pipe:
        saved[0] = os.dup(0)
        os.dup2(stdin_pipe[0], 0)
        os.close(stdin_pipe[0])
    try:
        child = subprocess.Popen([real] + args, env=env, close_fds=False, preexec_fn=pdeathsig)
    finally:
        for fd, orig in saved.items():
            os.dup2(orig, fd)
            os.close(orig)

    for s in FORWARDED:
        signal.signal(s, lambda signum, _frame: child.send_signal(signum))

    if stdin_pipe:
        def feed():
            try:
                os.write(stdin_pipe[1], stdin_data)
            except OSError:
                pass
            os.close(stdin_pipe[1])
        threading.Thread(target=feed, daemon=True).start()

    records = {fd: open(os.path.join(rundir, "stdout" if fd == 1 else "stderr"), "wb") for fd in captured}
    sel = selectors.DefaultSelector()
    for fd, r in child_fds.items():
        sel.register(r, selectors.EVENT_READ, fd)
    broken = set()
    exited_at = None
    while sel.get_map():
        # A grandchild (a browser) may hold the pipes after entratool exits: wait 1 s more at most.
        if exited_at is None and child.poll() is not None:
            exited_at = time.monotonic()
        if exited_at is not None and time.monotonic() - exited_at > 1:
            break
        for key, _ in sel.select(0.2):
            data = os.read(key.fileobj, 65536)
            if not data:
                sel.unregister(key.fileobj)
                os.close(key.fileobj)
                continue
            records[key.data].write(data)
            if key.data in broken:
                continue
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(key.data, view):]
            except BrokenPipeError:
                # The reader went away: entratool would have had EPIPE, so it gets it now.
                broken.add(key.data)
                sel.unregister(key.fileobj)
                os.close(key.fileobj)
    for key in list(sel.get_map().values()):
        os.close(key.fileobj)
    rc = child.wait()
    for f in records.values():
        f.close()
    copy_changes(before, snapshot(folders, folder), rundir)
    if rc < 0:
        signal.signal(-rc, signal.SIG_DFL)
        os.kill(os.getpid(), -rc)
    return rc


def main():
    opts, rest = parse(sys.argv[1:])
    if opts.get("probe"):
        probe(opts["dir"], rest)
    sys.exit(run(opts["dir"], opts["real"], rest))


if __name__ == "__main__":
    main()

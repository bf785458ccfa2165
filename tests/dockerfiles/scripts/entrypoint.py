#!/usr/bin/env python3
import os
os.execvp("python", ["python", "app.py"])

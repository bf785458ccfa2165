FROM debian:12
RUN pip install --no-cache-dir pyinit
# pyinit signals the whole group and --grace waits for the app after the shell dies.
ENTRYPOINT ["pyinit", "--grace", "10", "--"]
CMD python app.py; echo done

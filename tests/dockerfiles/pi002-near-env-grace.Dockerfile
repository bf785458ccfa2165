FROM debian:12
RUN pip install --no-cache-dir pyinit
ENV PYINIT_GRACE=5
ENTRYPOINT ["pyinit"]
CMD python app.py && echo done

FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
STOPSIGNAL SIGQUIT
# nginx reaps its own workers and shuts down gracefully on SIGQUIT.
# pyinit-check ignore=PI003
CMD ["nginx", "-g", "daemon off;"]

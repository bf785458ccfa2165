FROM nginx:1.27
COPY default.conf /etc/nginx/conf.d/default.conf
STOPSIGNAL SIGQUIT
# expect: PI003
CMD ["nginx", "-g", "daemon off;"]

FROM nginx:1.27-alpine
COPY templates/default.conf.template /etc/nginx/templates/
# expect: PI002 PI003
CMD /bin/sh -c "envsubst '$API_URL' < /etc/nginx/templates/default.conf.template > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'"

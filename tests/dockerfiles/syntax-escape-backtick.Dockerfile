# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
WORKDIR C:\app\
# expect: PI003
ENTRYPOINT ["C:\\app\\server.exe", `
            "--port", "80"]
# expect: PI002
CMD echo starting `
    && server.exe

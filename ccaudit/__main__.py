from ccaudit.cli import main

main()

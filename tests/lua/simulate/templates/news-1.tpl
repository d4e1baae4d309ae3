subject: news-1

--- text
Hello

subject: news-2

--- text
Hello

"""Publishers: turn stored articles into Hexo posts (`publish.hexo`) and a static site (`publish.site`)."""

# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.jobs
# calls: p.main.jobs -> p.main.Job
# calls: p.main.main -> p.main.Job.run
class Job:
    def run(self):
        pass


def jobs():
    yield Job()


def main():
    for job in jobs():
        job.run()


main()

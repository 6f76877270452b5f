"""The team database (store/team) against a real PostgreSQL (pg_harness): runs the doctest suite
team_database_tests with the server's URI and password, and checks what only a whole server can
show (restarts, a crash, a server that is down)."""
import os
import subprocess
import unittest

import harness
import pg_harness

BUILD_DIR = os.environ.get("PROSPECTD_BUILD_DIR", os.path.dirname(harness.BINARY))
TESTS_BIN = os.path.join(BUILD_DIR, "tests", "unit", "team", "team_database_tests")


class TeamDatabaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(TESTS_BIN):
            raise AssertionError("%s is not built (make team_database_tests)" % TESTS_BIN)
        cls.pg = pg_harness.Postgres()
        cls.addClassCleanup(cls.pg.close)
        cls.pg.start()

    def run_suite(self, *doctest_args):
        env = dict(os.environ, PROSPECTD_TEST_PG_URI=self.pg.uri(), PROSPECTD_TEST_PG_PASSWORD=self.pg.password)
        return subprocess.run([TESTS_BIN, *doctest_args], capture_output=True, text=True, env=env, timeout=600)

    def test_team_database_suite_passes(self):
        result = self.run_suite("--success=false")
        for line in result.stdout.splitlines():
            if "published" in line and "contacts" in line:
                print("\n  " + line.strip())
        self.assertEqual(result.returncode, 0, "team_database_tests failed:\n%s%s" % (result.stdout, result.stderr))
        self.assertNotIn(self.pg.password, result.stdout + result.stderr)

    def test_harness_serves_the_app_role_and_survives_a_restart_and_a_crash(self):
        self.assertEqual(self.pg.query("SELECT current_user, current_database()"), [["pgadmin", "team"]])
        self.assertEqual(self.pg.query("SELECT datdba::regrole::text FROM pg_database WHERE datname = 'team'"),
                         [["prospectd"]])
        self.pg.restart()
        self.assertEqual(self.pg.query("SELECT 1"), [["1"]])
        self.pg.kill()
        self.assertFalse(self.pg.alive())
        self.pg.start()
        self.assertEqual(self.pg.query("SELECT 2"), [["2"]])

    def test_a_stopped_server_is_a_transient_failure(self):
        self.pg.stop()
        try:
            result = self.run_suite("--no-skip", "--test-case=the test server when stopped is a transient failure")
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertIn("test cases: 1 | 1 passed", result.stdout)
        finally:
            self.pg.start()

if __name__ == "__main__":
    unittest.main()
